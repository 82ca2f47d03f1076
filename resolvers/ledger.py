"""Resolvers of the ledger: a licence's entries, balances as of a moment, verification,
and accounting notifications (Order 1907 p.3, p.10; DESIGN)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from api.auth import can_see_licence as visible_to
from api.context import Info
from schema.errors import InvalidPagination
from schema.ledger import (
    AccountingNotification,
    LedgerConnection,
    LedgerEntry,
    LedgerVerification,
    NotificationConnection,
)
from schema.relay import AFTER, BEFORE, FIRST, LAST, Edge, PageInfo, check_page_arguments
from services.ledger import verify_licence
from services.pagination import BadCursor, Page, encode_cursor, paginate

Document = dict[str, Any]


def _page_info(edges: list[Any], page: Page) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


async def ledger_of(
    info: Info,
    license_id: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> LedgerConnection:
    """A licence's ledger, newest entry first (index licenseId + seq)."""
    first, last = check_page_arguments(first, last, after, before)
    collection = info.context.db.ledger
    query = {"licenseId": license_id}
    try:
        page = await paginate(
            collection, query, field="seq", ascending=False, unique=True,
            first=first, after=after, last=last, before=before,
        )  # fmt: skip
    except BadCursor as exc:
        raise InvalidPagination(str(exc)) from None
    edges = [
        Edge(cursor=encode_cursor(d, "seq", True), node=LedgerEntry.from_doc(d)) for d in page.docs
    ]

    async def count() -> int:
        return await collection.count_documents(query)

    return LedgerConnection(edges=edges, page_info=_page_info(edges, page), count=count)


async def balances_at(info: Info, license_id: Any, moment: datetime) -> list[LedgerEntry]:
    """For each line, the last ledger entry at or before ``moment`` (its ``after`` holds
    the line's figures then): one indexed query per line (licenseId, lineNo, at)."""
    licence = await info.context.loaders.license_by_id.load(license_id)
    if licence is None:
        return []
    found = []
    for line in licence["lines"]:
        doc = await info.context.db.ledger.find_one(
            {"licenseId": license_id, "lineNo": line["lineNo"], "at": {"$lte": moment}},
            sort=[("at", -1), ("seq", -1)],
        )
        if doc is not None:
            found.append(LedgerEntry.from_doc(doc))
    return found


async def verify_ledger(
    info: Info, number: Annotated[str, strawberry.argument(description="Licence number.")]
) -> LedgerVerification | None:
    """Recompute a licence's hash chain and its figures from the ledger (DESIGN)."""
    licence = await info.context.loaders.license_by_number.load(number)
    if not visible_to(info.context.principal, licence):
        return None
    assert licence is not None
    result = await verify_licence(info.context.db, licence)
    return LedgerVerification(
        license_number=result.license_number,
        entries=result.entries,
        ok=result.ok,
        break_seq=result.break_seq,
        reason=result.reason,
    )


async def accounting_notifications(
    info: Info,
    license_number: Annotated[
        str | None, strawberry.argument(description="Only notifications for this licence.")
    ] = None,
    declaration_number: Annotated[
        str | None, strawberry.argument(description="Only notifications for this declaration.")
    ] = None,
    first: Annotated[int | None, FIRST] = None,
    after: Annotated[str | None, AFTER] = None,
    last: Annotated[int | None, LAST] = None,
    before: Annotated[str | None, BEFORE] = None,
) -> NotificationConnection:
    """Accounting notifications (Order 1907 p.10), newest first."""
    first, last = check_page_arguments(first, last, after, before)
    query: Document = {}
    if license_number is not None:
        query["licenseNumbers"] = license_number
    if declaration_number is not None:
        query["declarationNumber"] = declaration_number
    principal = info.context.principal
    if principal.role.value == "DECLARANT":
        own = info.context.db.declarations.find({"declarantInn": principal.inn}, {"number": 1})
        numbers = [d["number"] async for d in own]
        query = (
            {"$and": [query, {"declarationNumber": {"$in": numbers}}]}
            if query
            else {"declarationNumber": {"$in": numbers}}
        )
    collection = info.context.db.notifications
    try:
        page = await paginate(
            collection, query, field="at", ascending=False, unique=False,
            first=first, after=after, last=last, before=before,
        )  # fmt: skip
    except BadCursor as exc:
        raise InvalidPagination(str(exc)) from None
    edges = [
        Edge(cursor=encode_cursor(d, "at", False), node=AccountingNotification.from_doc(d))
        for d in page.docs
    ]

    async def count() -> int:
        return await collection.count_documents(query)

    return NotificationConnection(edges=edges, page_info=_page_info(edges, page), count=count)


async def load_notification_node(info: Info, object_id: Any) -> AccountingNotification | None:
    doc = await info.context.loaders.notification_by_id.load(object_id)
    if doc is None:
        return None
    principal = info.context.principal
    if principal.role.value == "DECLARANT":
        declaration = await info.context.loaders.declaration_by_id.load(doc["declarationId"])
        if declaration is None or declaration["declarantInn"] != principal.inn:
            return None
    return AccountingNotification.from_doc(doc)
