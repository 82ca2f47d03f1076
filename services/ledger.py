"""The licence ledger: every change of a licence line's figures, append-only, chained.

A licence document keeps its lines' figures (limit, accounted, released, and the same
for value) and the head of its ledger (``ledgerSeq``, ``ledgerHash``).  Figures move only
through :func:`write_movements`, which in the caller's transaction

1. computes each movement's effect with the domain rule ``line_figures_after`` (which
   refuses anything breaking ``released <= accounted <= limit``),
2. appends one ledger entry per movement, hash-chained to the previous one,
3. stores the new figures with a compare-and-set on the ledger head and the licence
   version read, so a concurrent writer (or a replay) can never overdraw: it fails the
   guard and runs again on fresh figures.

So the figures always equal the sums of the entries (DESIGN "The invariant").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from domain.accounting import Movement, Operation
from domain.ledger import append_to_ledger, verify_ledger
from domain.licenses import (
    LicenseStatus,
    license_is_exhausted,
    license_state,
    line_is_exhausted,
)
from services.base import to_millis
from services.documents.ledger import entry_doc, entry_of
from services.documents.licenses import figures_of, with_figures
from services.transactions import ConcurrentUpdate

Document = dict[str, Any]
_ZERO = Decimal(0)


def exhausted(lines: Sequence[Document]) -> bool:
    return license_is_exhausted(
        [line_is_exhausted(li["available"], li["valueAvailable"], li["valueLimit"]) for li in lines]
    )


@dataclass
class LedgerWrite:
    """The outcome of applying movements to one licence's lines, not yet stored."""

    lines: list[Document]
    entries: list[Document]
    seq: int
    head: str | None


def apply_to_lines(
    license_id: Any,
    license_number: str,
    lines: Sequence[Document],
    seq: int,
    head: str | None,
    movements: Sequence[Movement],
    at: datetime,
    refs: Document | None = None,
) -> LedgerWrite:
    """Apply ``movements`` (all of one licence) in order (``domain.accounting.
    append_to_ledger``, which raises ``RuleViolation`` when any would break the
    invariant).  ``refs`` adds fields to each entry (declaration id ...)."""
    by_no = {line["lineNo"]: dict(line) for line in lines}
    figures = {number: figures_of(line) for number, line in by_no.items()}
    entries = append_to_ledger(license_number, figures, seq, head, movements, to_millis(at))
    for entry in entries:
        by_no[entry.movement.line_no] = with_figures(by_no[entry.movement.line_no], entry.after)
    if entries:
        seq, head = entries[-1].seq, entries[-1].hash
    return LedgerWrite(
        [by_no[n] for n in sorted(by_no)],
        [entry_doc(license_id, license_number, entry, refs) for entry in entries],
        seq,
        head,
    )


@dataclass(frozen=True)
class LedgerTarget:
    """Where a ledger's figures live: licences keep them in ``lines``; a processing
    permit keeps them in its table 3 rows (DESIGN Part B, "A permit is also used"),
    whose row number is the position.  A permit's rows are changed by amendments outside
    the ledger, so its ledger records the limit it last saw (``ledgerLimit``) and the
    next write first brings it to the row's ``quantity`` with a LIMIT_CHANGE entry:
    every figure stays a sum of entries.  ``guard`` is the document's version field
    checked with the ledger head; ``source`` marks the entries of a target other than a
    licence."""

    collection: str
    rows_field: str
    guard: str
    source: str | None = None

    def lines_of(self, doc: Document) -> list[Document]:
        rows: list[Document] = doc[self.rows_field]
        if self.source is None:
            return rows
        return [
            {
                "lineNo": index,
                "quantityLimit": row.get("ledgerLimit", _ZERO),
                "accounted": row["accounted"],
                "released": row.get("released", _ZERO),
            }
            for index, row in enumerate(rows, start=1)
        ]

    def limit_changes(self, doc: Document) -> list[Movement]:
        """The LIMIT_CHANGE movements that bring the ledger's limits to the rows'."""
        if self.source is None:
            return []
        return [
            Movement(Operation.LIMIT_CHANGE, doc["number"], index, change)
            for index, row in enumerate(doc[self.rows_field], start=1)
            if (change := row["quantity"] - row.get("ledgerLimit", _ZERO)) != 0
        ]

    def rows_after(self, doc: Document, lines: list[Document]) -> list[Document]:
        if self.source is None:
            return lines
        by_no = {line["lineNo"]: line for line in lines}
        return [
            {
                **row,
                "accounted": by_no[index]["accounted"],
                "released": by_no[index]["released"],
                "available": row["quantity"] - by_no[index]["accounted"],
                "ledgerLimit": by_no[index]["quantityLimit"],
            }
            for index, row in enumerate(doc[self.rows_field], start=1)
        ]


LICENSES = LedgerTarget("licenses", "lines", "version")
PERMIT_TABLE3 = LedgerTarget("permits", "table3", "revision", source="PERMIT")


def seq_guard(seq: int) -> Any:
    """A ledger head never written (a permit before its first placement) is absent."""
    return seq if seq else {"$in": [0, None]}


async def write_movements(
    db: AsyncDatabase[Document],
    session: AsyncClientSession,
    license: Document,
    movements: Sequence[Movement],
    at: datetime,
    refs: Document | None = None,
    target: LedgerTarget = LICENSES,
) -> Document:
    """Apply and store ``movements`` on ``licence`` (as read in this transaction; for
    ``PERMIT_TABLE3`` a permit); return the document after them."""
    seq = license.get("ledgerSeq", 0)
    write = apply_to_lines(
        license["_id"],
        license["number"],
        target.lines_of(license),
        seq,
        license.get("ledgerHash"),
        [*target.limit_changes(license), *movements] if movements else [],
        at,
        {**(refs or {}), "source": target.source} if target.source else refs,
    )
    changes: Document = {
        target.rows_field: target.rows_after(license, write.lines),
        "ledgerSeq": write.seq,
        "ledgerHash": write.head,
    }
    if target is LICENSES:
        used_up = exhausted(write.lines)
        changes["exhausted"] = used_up
        changes["state"] = license_state(
            LicenseStatus(license["status"]), used_up or license.get("exhaustionReported", False)
        )
    result = await db[target.collection].update_one(
        {"_id": license["_id"], target.guard: license[target.guard], "ledgerSeq": seq_guard(seq)},
        {"$set": changes},
        session=session,
    )
    if result.matched_count != 1:
        raise ConcurrentUpdate
    if write.entries:
        await db.ledger.insert_many(write.entries, session=session)
    return {**license, **changes}


@dataclass(frozen=True)
class Verification:
    """The result of checking one licence's ledger and figures."""

    license_number: str
    entries: int
    ok: bool
    break_seq: int | None = None
    reason: str | None = None


async def verify_license(
    db: AsyncDatabase[Document], license: Document, target: LedgerTarget = LICENSES
) -> Verification:
    """Recompute the chain of ``licence`` and compare its stored figures with it.

    Only entries up to the licence's ledger head as read are checked: entries are
    append-only, so this is exactly the ledger the figures were computed from, even while
    new write-offs commit (a later entry beyond the head is not a break)."""
    head = license.get("ledgerSeq", 0)
    docs = (
        await db.ledger.find({"licenseId": license["_id"], "seq": {"$lte": head}})
        .sort("seq", 1)
        .to_list()
    )
    entries = [entry_of(doc) for doc in docs]
    stored = {line["lineNo"]: figures_of(line) for line in target.lines_of(license)}
    head_now = (license.get("ledgerSeq"), license.get("ledgerHash"))
    broken = verify_ledger(entries, head_now, stored)
    if broken is not None:
        return Verification(license["number"], len(entries), False, broken.seq, broken.reason)
    return Verification(license["number"], len(entries), True)
