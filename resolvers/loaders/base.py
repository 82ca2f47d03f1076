"""A loader of documents by one field, batched into a single ``$in`` query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from typing import Any, ClassVar

from aiodataloader import DataLoader
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
#: One reply holds the whole batch (up to the server's 16 MB limit): a page's nested read
#: is one command, not one plus a getMore per 101 documents.
BATCH = 100_000


class ByFieldLoader(DataLoader):
    """Loads at most one document per key from ``collection`` where ``field`` = key."""

    collection: ClassVar[str]
    field: ClassVar[str]

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        super().__init__()
        self.db = db

    async def batch_load_fn(self, keys: list[Hashable]) -> list[Document | None]:
        found = {
            doc[self.field]: doc
            async for doc in self.db[self.collection]
            .find({self.field: {"$in": list(keys)}})
            .batch_size(BATCH)
        }
        return [found.get(key) for key in keys]


class ManyByFieldLoader(DataLoader):
    """Loads every document whose ``field`` = key, in ``sort`` order."""

    collection: ClassVar[str]
    field: ClassVar[str]
    sort: ClassVar[tuple[tuple[str, int], ...]]

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        super().__init__()
        self.db = db

    async def batch_load_fn(self, keys: list[Hashable]) -> list[list[Document]]:
        grouped: dict[Hashable, list[Document]] = defaultdict(list)
        cursor = (
            self.db[self.collection]
            .find({self.field: {"$in": list(keys)}})
            .sort(list(self.sort))
            .batch_size(BATCH)
        )
        async for doc in cursor:
            grouped[doc[self.field]].append(doc)
        return [grouped.get(key, []) for key in keys]
