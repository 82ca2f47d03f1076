"""Resolvers of the ledger: a licence's entries, balances as of a moment, verification,
and accounting notifications (Order 1907 p.3, p.10; DESIGN)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import strawberry

from resolvers.connections import build_connection
from resolvers.context import Info
from schema.ledger import (
    AccountingNotification,
    LedgerConnection,
    LedgerEntry,
    LedgerVerification,
    NotificationConnection,
)
from schema.relay import AFTER, BEFORE, FIRST, LAST, check_page_arguments
from services.access import Owned
from services.ledger import verify_license
from services.pagination import BadCursor, Page, decode_cursor

Document = dict[str, Any]


async def _ledger_window(
    info: Info,
    license_id: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Page | None:
    """A page of a licence's ledger as one narrow ``seq`` range, or None when the range
    does not hold what it should (then the keyset query serves the page).

    A licence's entries are numbered 1, 2, ... with no gap (``verify_chain``), so the n
    entries next to a cursor are the n seq numbers next to it.  SecantusDB reads every
    document an index range matches before it sorts and limits: ``{licenseId}`` sorted
    by seq read the licence's whole ledger for each page (bench/accounting.py: 1.1 s a
    page at 10,000 entries); the range reads n + 1 entries.  MongoDB serves both shapes
    from the (licenseId, seq) index."""
    license = await info.context.loaders.license_by_id.load(license_id)
    if license is None:
        return None
    head: int = license.get("ledgerSeq", 0)
    try:
        if last is not None and first is None:  # backward: ascending after ``before``
            low = decode_cursor(before, True)[0] + 1 if before is not None else 1
            high = min(head, low + last)
            size, order = last, 1
        else:
            assert first is not None
            high = decode_cursor(after, True)[0] - 1 if after is not None else head
            low = max(1, high - first)
            size, order = first, -1
    except (BadCursor, TypeError):
        return None  # the keyset query answers (or reports the cursor)
    docs: list[Document] = []
    if high >= low:
        docs = (
            await info.context.db.ledger.find(
                {"licenseId": license_id, "seq": {"$gte": low, "$lte": high}}
            )
            .sort("seq", order)
            .to_list()
        )
    if len(docs) != max(0, high - low + 1):
        return None
    more = len(docs) > size
    docs = docs[:size]
    if order == 1:
        docs.reverse()
        return Page(docs, has_next=before is not None, has_previous=more)
    return Page(docs, has_next=more, has_previous=after is not None)


async def ledger_of(
    info: Info,
    license_id: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> LedgerConnection:
    """A licence's ledger, newest entry first: one narrow seq range, else the keyset
    query (index licenseId + seq)."""
    first, last = check_page_arguments(first, last, after, before)
    return await build_connection(
        LedgerConnection,
        info.context.db.ledger,
        {"licenseId": license_id},
        LedgerEntry.from_doc,
        field="seq",
        ascending=False,
        unique=True,
        first=first,
        after=after,
        last=last,
        before=before,
        page=await _ledger_window(info, license_id, first, after, last, before),
    )


#: The first window of time balancesAt looks back over; it doubles until it finds one.
BALANCE_WINDOW = timedelta(minutes=1)


async def balance_entry(
    db: Any, license_id: Any, line_no: int, moment: datetime, since: datetime
) -> Document | None:
    """The line's last ledger entry at or before ``moment`` (latest ``at``, then highest
    ``seq``), looked for in windows of ``at`` that double from a minute back.  Exact: an
    entry outside a window is older than every entry inside it.  SecantusDB reads every
    document an index range matches before it sorts: the open range ``at <= moment``
    read the line's whole history (bench/accounting.py: 1.5 s at 10,000 entries); a
    window reads the entries in it.  ``since``: no entry is older; a window reaching past
    it is the last query, with no lower bound."""
    window = BALANCE_WINDOW
    while True:
        bounds: Document = {"$lte": moment}
        if moment - window > since:
            bounds["$gte"] = moment - window
        found: Document | None = await db.ledger.find_one(
            {"licenseId": license_id, "lineNo": line_no, "at": bounds},
            sort=[("at", -1), ("seq", -1)],
        )
        if found is not None or "$gte" not in bounds:
            return found
        window *= 2


async def balances_at(info: Info, license_id: Any, moment: datetime) -> list[LedgerEntry]:
    """For each line, the last ledger entry at or before ``moment`` (its ``after`` holds
    the line's figures then): per line, indexed queries (licenseId, lineNo, at)."""
    license = await info.context.loaders.license_by_id.load(license_id)
    if license is None:
        return []
    # Older than the first entry, by a margin (concurrent requests may commit out of
    # order), there is nothing: the windows stop there.
    first = await info.context.db.ledger.find_one({"licenseId": license_id, "seq": 1})
    if first is None:
        return []
    since = first["at"] - timedelta(days=1)
    found = []
    for line in license["lines"]:
        doc = await balance_entry(info.context.db, license_id, line["lineNo"], moment, since)
        if doc is not None:
            found.append(LedgerEntry.from_doc(doc))
    return found


async def verify_ledger(
    info: Info, number: Annotated[str, strawberry.argument(description="Licence number.")]
) -> LedgerVerification | None:
    """Recompute a licence's hash chain and its figures from the ledger (DESIGN)."""
    license = await info.context.loaders.license_by_number.load(number)
    if not info.context.access.sees(Owned.LICENSE, license):
        return None
    assert license is not None
    result = await verify_license(info.context.db, license)
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
    query: Document = {}
    if license_number is not None:
        query["licenseNumbers"] = license_number
    # Flat (SecantusDB plans no index for a top-level $and): the declaration asked for
    # and the principal's own are one condition on declarationNumber.
    query |= await info.context.services.declarations.notifications_filter(declaration_number)
    return await build_connection(
        NotificationConnection,
        info.context.db.notifications,
        query,
        AccountingNotification.from_doc,
        field="at",
        ascending=False,
        unique=False,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def load_notification_node(info: Info, object_id: Any) -> AccountingNotification | None:
    doc = await info.context.loaders.notification_by_id.load(object_id)
    if doc is None or not await info.context.services.declarations.sees_notification(doc):
        return None
    return AccountingNotification.from_doc(doc)
