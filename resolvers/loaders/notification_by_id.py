from __future__ import annotations

from resolvers.loaders.base import ByFieldLoader


class NotificationByIdLoader(ByFieldLoader):
    """Accounting notifications by _id."""

    collection = "notifications"
    field = "_id"
