"""GraphQL types of licensed goods control (Order 1907 p.4-13)."""
