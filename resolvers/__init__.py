"""Thin resolvers (GraphQL in, service call, GraphQL out) and the data loaders."""
