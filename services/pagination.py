"""Keyset pagination for Relay connections over MongoDB.

A cursor encodes the sort key of an item (and its ``_id`` when the sort key is not
unique), so pages stay stable while documents are added, and each page is one indexed
range query: no ``skip``.  After a cursor on a non-unique key the range is inclusive
(``value >= v``) and the few items tied at ``v`` that came before are dropped while
reading: a plain range is served by the ``(key, _id)`` index on every server, where the
textbook ``$or`` is not (SecantusDB scans for a top-level ``$or``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC
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


_JSON = json_util.JSONOptions(tz_aware=True, tzinfo=UTC)


def decode_cursor(cursor: str, unique: bool) -> list[Any]:
    try:
        key = json_util.loads(
            base64.urlsafe_b64decode(cursor.encode()).decode(), json_options=_JSON
        )
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(f"{cursor!r} is not a cursor of this list") from None
    if not isinstance(key, list) or len(key) != (1 if unique else 2):
        raise BadCursor(f"{cursor!r} is not a cursor of this list")
    return key


def _operators(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(k.startswith("$") for k in value)


def _joinable(one: Any, other: Any) -> bool:
    """Two operator documents on one field with no operator in common."""
    return _operators(one) and _operators(other) and not set(one) & set(other)


def all_of(parts: list[Document]) -> Document:
    """The conjunction of ``parts``: one flat document when their fields differ (an
    equal repeat is dropped; operators on one field that do not repeat are joined, e.g.
    a registeredFrom filter and the cursor's upper bound), else ``$and``.  Flat, because
    SecantusDB plans an index only for a flat filter (any top-level ``$and``/``$or`` is
    a collection scan there); MongoDB plans both shapes alike."""
    parts = [part for part in parts if part]
    merged: Document = {}
    for part in parts:
        for key, value in part.items():
            if key not in merged or merged[key] == value:
                merged[key] = value
            elif (
                _operators(merged[key]) and _operators(value) and not set(merged[key]) & set(value)
            ):
                merged[key] = {**merged[key], **value}
            else:
                return {"$and": parts}
    return merged


def _beyond(key: list[Any], field: str, ascending: bool, unique: bool) -> Document:
    """The range after the cursor: strict for a unique key, inclusive otherwise (ties at
    the cursor's value are then sorted out by ``_before_cursor``)."""
    if unique:
        return {field: {"$gt" if ascending else "$lt": key[0]}}
    return {field: {"$gte" if ascending else "$lte": key[0]}}


def _before_cursor(doc: Document, key: list[Any], field: str, ascending: bool) -> bool:
    """A document tied with the cursor's value that the cursor's page already showed."""
    if doc[field] != key[0]:
        return False
    return bool(doc["_id"] <= key[1]) if ascending else bool(doc["_id"] >= key[1])


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
    key = None if cursor is None else decode_cursor(cursor, unique)
    if key is not None:
        conditions.append(_beyond(key, field, direction_asc, unique))
    filter_ = all_of(conditions)
    order = 1 if direction_asc else -1
    sort = [(field, order)] if unique else [(field, order), ("_id", order)]
    found = collection.find(filter_).sort(sort)
    docs: list[Document] = []
    if key is None or unique:
        docs = await found.limit(size + 1).to_list()
    else:
        async with found.batch_size(size + 2) as reading:
            async for doc in reading:
                if not _before_cursor(doc, key, field, direction_asc):
                    docs.append(doc)
                    if len(docs) > size:
                        break
    more = len(docs) > size
    docs = docs[:size]
    if backward:
        docs.reverse()
        return Page(docs, has_next=before is not None, has_previous=more)
    return Page(docs, has_next=more, has_previous=after is not None)
