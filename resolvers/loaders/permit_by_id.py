from __future__ import annotations

from resolvers.loaders.base import ByFieldLoader


class PermitByIdLoader(ByFieldLoader):
    """Processing permit documents by ``_id``."""

    collection = "permits"
    field = "_id"
