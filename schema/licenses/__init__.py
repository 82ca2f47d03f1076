"""GraphQL types of the licence registry (Order 1907 p.2-3)."""
