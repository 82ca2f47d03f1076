"""Strawberry types, inputs, enums and scalars.  The assembled schema is in
:mod:`schema.root`; the committed SDL is ``schema.graphql`` at the project root."""
