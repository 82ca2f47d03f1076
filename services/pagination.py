"""Keyset pagination for Relay connections over MongoDB.

A cursor encodes the sort key of an item (and its ``_id`` when the sort key is not
unique), so pages stay stable while documents are added, and each page is one indexed
range query: no ``skip``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from bson import json_util
from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


class BadCursor(ValueError):
    """A cursor that this API did not issue."""


@dataclass(frozen=True)
class Page:
    docs: list[Document]
    has_next: bool
    has_previous: bool


def encode_cursor(doc: Document, field: str, unique: bool) -> str:
    key = [doc[field]] if unique else [doc[field], doc["_id"]]
    return base64.urlsafe_b64encode(json_util.dumps(key).encode()).decode()


def _decode_cursor(cursor: str, unique: bool) -> list[Any]:
    try:
        key = json_util.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(f"{cursor!r} is not a cursor of this list") from None
    if not isinstance(key, list) or len(key) != (1 if unique else 2):
        raise BadCursor(f"{cursor!r} is not a cursor of this list")
    return key


def all_of(parts: list[Document]) -> Document:
    """The conjunction of ``parts``: one flat document when their fields differ (an
    equal repeat is dropped), else ``$and``.  Flat, because SecantusDB plans an index
    only for a flat filter (any top-level ``$and``/``$or`` is a collection scan there);
    MongoDB plans both shapes alike."""
    parts = [part for part in parts if part]
    merged: Document = {}
    for part in parts:
        if any(key in merged and merged[key] != value for key, value in part.items()):
            return {"$and": parts}
        merged.update(part)
    return merged


def _beyond(key: list[Any], field: str, ascending: bool, unique: bool) -> Document:
    op = "$gt" if ascending else "$lt"
    if unique:
        return {field: {op: key[0]}}
    return {"$or": [{field: {op: key[0]}}, {field: key[0], "_id": {op: key[1]}}]}


async def paginate(
    collection: AsyncCollection[Document],
    query: Document,
    *,
    field: str,
    ascending: bool,
    unique: bool,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Page:
    """One page of ``query`` sorted by ``field`` (then ``_id``), Relay semantics.

    ``first``/``after`` pages forward; ``last``/``before`` pages backward (read in the
    reverse order, then flipped).  One ``find`` with ``limit(n + 1)``: the extra item
    tells whether there is a next page.
    """
    backward = last is not None and first is None
    size = last if backward else first
    assert size is not None
    cursor = before if backward else after
    direction_asc = ascending != backward
    conditions = [query]
    if cursor is not None:
        conditions.append(_beyond(_decode_cursor(cursor, unique), field, direction_asc, unique))
    filter_ = all_of(conditions)
    order = 1 if direction_asc else -1
    sort = [(field, order)] if unique else [(field, order), ("_id", order)]
    docs = await collection.find(filter_).sort(sort).limit(size + 1).to_list()
    more = len(docs) > size
    docs = docs[:size]
    if backward:
        docs.reverse()
        return Page(docs, has_next=before is not None, has_previous=more)
    return Page(docs, has_next=more, has_previous=after is not None)
