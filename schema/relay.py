"""Relay conventions: global IDs, the Node interface and counted connections."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Generic, TypeVar

import strawberry
from bson import ObjectId
from bson.errors import InvalidId as BsonInvalidId

from schema.errors import InvalidId, InvalidPagination

MAX_PAGE = 100
DEFAULT_PAGE = 20

T = TypeVar("T")


def to_global_id(type_name: str, object_id: ObjectId | str) -> strawberry.ID:
    """``base64("License:<hex>")``: opaque to clients, stable forever."""
    return strawberry.ID(base64.b64encode(f"{type_name}:{object_id}".encode()).decode())


def parse_global_id(global_id: str) -> tuple[str, ObjectId]:
    """(type name, ObjectId) of a global ID; :class:`InvalidId` when malformed."""
    try:
        decoded = base64.b64decode(global_id.encode(), validate=True).decode()
        type_name, _, raw = decoded.partition(":")
        if not type_name or not raw:
            raise ValueError
        return type_name, ObjectId(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, BsonInvalidId):
        raise InvalidId(f"{global_id!r} is not an ID issued by this API") from None


def parse_typed_id(global_id: str, expected: str) -> ObjectId:
    """The ObjectId of a global ID that must name ``expected``."""
    type_name, object_id = parse_global_id(global_id)
    if type_name != expected:
        raise InvalidId(f"ID {global_id!r} names a {type_name}, not a {expected}")
    return object_id


@strawberry.interface(description="An object with a global ID (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque, stable identifier.")


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")


@strawberry.type(description="An item of a page with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass as `after`/`before` to page from here.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of a list: edges, page info and the count of the whole filtered list."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items in the whole filtered list.")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first.")
    DESC = strawberry.enum_value("DESC", description="Largest first.")


FIRST = strawberry.argument(description=f"Page size from the start or `after` (0-{MAX_PAGE}).")
AFTER = strawberry.argument(description="Cursor of the edge after which the page starts.")
LAST = strawberry.argument(description=f"Page size up to the end or `before` (0-{MAX_PAGE}).")
BEFORE = strawberry.argument(description="Cursor of the edge before which the page ends.")


def check_page_arguments(
    first: int | None, last: int | None, after: str | None, before: str | None
) -> tuple[int | None, int | None]:
    """Relay arguments: ``first`` or ``last`` (not both), each 0..100; default first 20."""
    if first is not None and last is not None:
        raise InvalidPagination("pass either first or last, not both")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise InvalidPagination(f"{name} must be between 0 and {MAX_PAGE}, got {value}")
    if first is None and last is None:
        if before is not None:
            return None, DEFAULT_PAGE
        first = DEFAULT_PAGE
    return first, last
