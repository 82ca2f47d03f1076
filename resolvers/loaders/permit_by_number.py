from __future__ import annotations

from resolvers.loaders.base import ByFieldLoader


class PermitByNumberLoader(ByFieldLoader):
    """Processing permit documents by registration number (unique, sparse index)."""

    collection = "permits"
    field = "number"
