"""A stored ledger entry (``ledger``): one movement of one licence line's figures,
hash-chained per licence (DESIGN; Order 1907 p.3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.accounting import LineFigures, Movement, Operation
from domain.ledger import LedgerEntry

Document = dict[str, Any]
_ZERO = Decimal(0)


def entry_doc(
    license_id: Any, license_number: str, entry: LedgerEntry, refs: Document | None = None
) -> Document:
    """``entry`` as stored; ``refs`` adds fields (the declaration's id and revision, the
    source of a permit's entries).  A write-off carries ``writeOffKey``: one per
    declaration item and revision, enforced by a unique index."""
    movement, after = entry.movement, entry.after
    doc: Document = {
        "licenseId": license_id,
        "licenseNumber": license_number,
        "seq": entry.seq,
        "lineNo": movement.line_no,
        "operation": movement.operation.value,
        "quantity": movement.quantity,
        "value": movement.value,
        "declarationNumber": movement.declaration_number,
        "itemNo": movement.item_no,
        "after": {
            "limit": after.limit,
            "accounted": after.accounted,
            "released": after.released,
            "valueLimit": after.value_limit,
            "valueAccounted": after.value_accounted,
            "valueReleased": after.value_released,
        },
        "prevHash": entry.previous_hash,
        "hash": entry.hash,
        "at": entry.recorded_at,
        **(refs or {}),
    }
    if movement.operation is Operation.WRITE_OFF and refs and "revision" in refs:
        doc["writeOffKey"] = f"{movement.declaration_number}:{movement.item_no}:{refs['revision']}"
    return doc


def figures_in(doc: Document, limit: str = "limit") -> LineFigures:
    """A line's figures as stored in an entry's ``after`` (and, with ``limit`` named
    ``quantityLimit``, in a licence's line)."""
    return LineFigures(
        limit=doc[limit],
        accounted=doc["accounted"],
        released=doc["released"],
        value_limit=doc.get("valueLimit"),
        value_accounted=doc.get("valueAccounted") or _ZERO,
        value_released=doc.get("valueReleased") or _ZERO,
    )


def movement_of(doc: Document) -> Movement:
    """The movement a stored entry records."""
    return Movement(
        operation=Operation(doc["operation"]),
        license_number=doc["licenseNumber"],
        line_no=doc["lineNo"],
        quantity=doc["quantity"],
        value=doc.get("value"),
        declaration_number=doc.get("declarationNumber"),
        item_no=doc.get("itemNo"),
    )


def entry_of(doc: Document) -> LedgerEntry:
    """A stored entry as the domain's ``LedgerEntry`` (for verification)."""
    return LedgerEntry(
        seq=doc["seq"],
        recorded_at=doc["at"],
        movement=movement_of(doc),
        after=figures_in(doc["after"]),
        previous_hash=doc.get("prevHash"),
        hash=doc["hash"],
    )
