from __future__ import annotations

from resolvers.loaders.base import ByFieldLoader


class LicenseByNumberLoader(ByFieldLoader):
    """Licence documents by licence number (unique index)."""

    collection = "licenses"
    field = "number"
