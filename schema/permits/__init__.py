"""GraphQL types of processing permits (Permit rules p.1-p.9, DESIGN Part B)."""
