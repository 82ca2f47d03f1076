"""Data loaders: one batched ``$in`` query per kind of nested read per request tick.

Each loader is one row of :class:`Loaders`: the collection, the field the keys match,
and whether a key has one document or many (in the order of that field, then others).
A request gets new loaders (:func:`make_loaders`), each made on its first use, so
nothing is cached across requests or principals.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Hashable
from typing import Any, overload

from aiodataloader import DataLoader
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
Sort = tuple[tuple[str, int], ...]
#: One reply holds the whole batch (up to the server's 16 MB limit): a page's nested read
#: is one command, not one plus a getMore per 101 documents.
BATCH = 100_000


@dataclasses.dataclass
class Row:
    """What a loader reads: documents of ``collection`` whose ``field`` is a key; one
    per key, or all of them in ``sort`` order when ``many``.  On :class:`Loaders` the
    row is the class's attribute and the loader the instance's."""

    collection: str
    field: str
    many: bool = False
    sort: Sort = ()
    name: str = dataclasses.field(default="", init=False)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, loaders: None, owner: type) -> Row: ...
    @overload
    def __get__(self, loaders: Loaders, owner: type) -> DocumentLoader: ...
    def __get__(self, loaders: Loaders | None, owner: type) -> Row | DocumentLoader:
        return self if loaders is None else loaders.loader(self)


def one(collection: str, key_field: str) -> Row:
    """At most one document per key (the field has a unique index)."""
    return Row(collection, key_field)


def many(collection: str, key_field: str, *then: tuple[str, int]) -> Row:
    """Every document of a key, ordered by ``then`` (after the key)."""
    return Row(collection, key_field, True, ((key_field, ASCENDING), *then))


class DocumentLoader(DataLoader[Hashable, Any]):
    """The loader of a :class:`Row`: a key gives a document (or None), or a list."""

    def __init__(self, db: AsyncDatabase[Document], row: Row) -> None:
        super().__init__()
        self.db = db
        self.row = row

    async def batch_load_fn(self, keys: list[Hashable]) -> list[Any]:
        row = self.row
        cursor = self.db[row.collection].find({row.field: {"$in": list(keys)}})
        if row.sort:
            cursor = cursor.sort(list(row.sort))
        found: dict[Hashable, list[Document]] = defaultdict(list)
        async for doc in cursor.batch_size(BATCH):
            found[doc[row.field]].append(doc)
        if row.many:
            return [found.get(key, []) for key in keys]
        return [found[key][0] if key in found else None for key in keys]


class Loaders:
    """A request's loaders, one row each: ``info.context.loaders.license_by_id``."""

    license_by_id = one("licenses", "_id")
    license_by_number = one("licenses", "number")
    license_history = many("license_history", "licenseId", ("seq", DESCENDING))  # newest first
    declaration_by_id = one("declarations", "_id")
    declaration_by_number = one("declarations", "number")
    ledger_by_declaration = many("ledger", "declarationNumber", ("seq", ASCENDING))
    revisions_by_declaration = many(
        "declaration_revisions", "declarationId", ("revision", ASCENDING)
    )
    notification_by_id = one("notifications", "_id")
    permit_by_id = one("permits", "_id")
    permit_by_number = one("permits", "number")  # unique, sparse index
    permit_revisions = many("permit_revisions", "permitId", ("revision", DESCENDING))
    customs_office_by_code = one("customs_offices", "code")

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self._made: dict[str, DocumentLoader] = {}

    def loader(self, row: Row) -> DocumentLoader:
        """The loader of ``row``, made on first use."""
        made = self._made.get(row.name)
        if made is None:
            made = self._made[row.name] = DocumentLoader(self.db, row)
        return made


def make_loaders(db: AsyncDatabase[Document]) -> Loaders:
    """New loaders for a request (or a subscription's event)."""
    return Loaders(db)
