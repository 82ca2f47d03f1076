from __future__ import annotations

from resolvers.loaders.base import ByFieldLoader


class DeclarationByIdLoader(ByFieldLoader):
    """Declaration documents by _id."""

    collection = "declarations"
    field = "_id"
