from __future__ import annotations

from pymongo import DESCENDING

from resolvers.loaders.base import ManyByFieldLoader


class PermitRevisionsLoader(ManyByFieldLoader):
    """The revisions of permits by permit ``_id``, newest first."""

    collection = "permit_revisions"
    field = "permitId"
    sort = (("permitId", 1), ("revision", DESCENDING))
