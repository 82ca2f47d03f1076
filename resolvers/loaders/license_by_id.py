from __future__ import annotations

from resolvers.loaders.base import ByFieldLoader


class LicenseByIdLoader(ByFieldLoader):
    """Licence documents by ``_id``."""

    collection = "licenses"
    field = "_id"
