from __future__ import annotations

from resolvers.loaders.base import ByFieldLoader


class DeclarationByNumberLoader(ByFieldLoader):
    """Declaration documents by number (unique index)."""

    collection = "declarations"
    field = "number"
