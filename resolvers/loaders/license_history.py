from __future__ import annotations

from pymongo import DESCENDING

from resolvers.loaders.base import ManyByFieldLoader


class LicenseHistoryLoader(ManyByFieldLoader):
    """The history entries of licences by licence ``_id``, newest first."""

    collection = "license_history"
    field = "licenseId"
    sort = (("licenseId", 1), ("seq", DESCENDING))
