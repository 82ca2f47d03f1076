"""Relay connections over MongoDB: one function builds every list of the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pymongo.asynchronous.collection import AsyncCollection

from schema.errors import InvalidPagination
from schema.relay import Connection, Edge, PageInfo, check_page_arguments
from services.pagination import BadCursor, Page, encode_cursor, paginate

Document = dict[str, Any]
C = TypeVar("C", bound=Connection[Any])


async def build_connection(
    connection: type[C],
    collection: AsyncCollection[Document],
    query: Document,
    node: Callable[[Document], Any],
    *,
    field: str,
    ascending: bool,
    unique: bool,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    page: Page | None = None,
) -> C:
    """One page of ``query`` ordered by ``field`` (then ``_id`` unless ``unique``) as a
    ``connection``: Relay arguments checked (page size at most 100), keyset cursors, and
    ``totalCount`` counted only when asked for.  ``page``: one read already by a faster
    path for the same arguments."""
    first, last = check_page_arguments(first, last, after, before)
    if page is None:
        try:
            page = await paginate(
                collection, query, field=field, ascending=ascending, unique=unique,
                first=first, after=after, last=last, before=before,
            )  # fmt: skip
        except BadCursor as exc:
            raise InvalidPagination(str(exc)) from None
    edges = [Edge(cursor=encode_cursor(doc, field, unique), node=node(doc)) for doc in page.docs]

    async def count() -> int:
        return await collection.count_documents(query)

    return connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )
