"""The licence ledger and accounting notifications as GraphQL types."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.declarations.enums import LedgerOperation, NotificationKind
from schema.relay import Connection, Node, to_global_id
from schema.scalars import DateTime, Decimal

Document = dict[str, Any]


@strawberry.type(description="A line's figures at a moment (after a ledger entry).")
class LineFiguresAfter:
    limit: Decimal = strawberry.field(description="Quantity limit.")
    accounted: Decimal = strawberry.field(description="Written off and not annulled.")
    released: Decimal = strawberry.field(description="Part of accounted that was released.")
    value_limit: Decimal | None = strawberry.field(description="Value limit, if any.")
    value_accounted: Decimal = strawberry.field(description="Value written off.")
    value_released: Decimal = strawberry.field(description="Value released.")

    @classmethod
    def from_doc(cls, doc: Document) -> LineFiguresAfter:
        return cls(
            limit=doc["limit"],
            accounted=doc["accounted"],
            released=doc["released"],
            value_limit=doc.get("valueLimit"),
            value_accounted=doc.get("valueAccounted") or 0,  # type: ignore[arg-type]
            value_released=doc.get("valueReleased") or 0,  # type: ignore[arg-type]
        )


@strawberry.type(
    description="One append-only, hash-chained entry of a licence's ledger: the "
    "information on execution of the licence (Order 1907 p.3; DESIGN)."
)
class LedgerEntry:
    seq: int = strawberry.field(description="Sequence number within the licence, from 1.")
    license_number: str = strawberry.field(description="The licence.")
    line_no: int = strawberry.field(description="The licence line.")
    operation: LedgerOperation = strawberry.field(description="What the entry did.")
    quantity: Decimal = strawberry.field(description="Quantity moved, in the line's unit.")
    value: Decimal | None = strawberry.field(description="Value moved, if the line has one.")
    declaration_number: str | None = strawberry.field(description="Declaration that caused it.")
    item_no: int | None = strawberry.field(description="Declaration item that caused it.")
    after: LineFiguresAfter = strawberry.field(description="The line's figures after it.")
    at: DateTime = strawberry.field(description="When it was recorded.")
    previous_hash: str | None = strawberry.field(description="Hash of the previous entry.")
    hash: str = strawberry.field(description="SHA-256 of the previous hash and this entry.")

    @classmethod
    def from_doc(cls, doc: Document) -> LedgerEntry:
        return cls(
            seq=doc["seq"],
            license_number=doc["licenseNumber"],
            line_no=doc["lineNo"],
            operation=LedgerOperation(doc["operation"]),
            quantity=doc["quantity"],
            value=doc.get("value"),
            declaration_number=doc.get("declarationNumber"),
            item_no=doc.get("itemNo"),
            after=LineFiguresAfter.from_doc(doc["after"]),
            at=doc["at"],
            previous_hash=doc.get("prevHash"),
            hash=doc["hash"],
        )


LedgerConnection = Connection[LedgerEntry]


@strawberry.type(description="One movement reported by an accounting notification.")
class NotificationEntry:
    license_number: str = strawberry.field(description="The licence.")
    line_no: int = strawberry.field(description="The licence line.")
    item_no: int | None = strawberry.field(description="The declaration item.")
    operation: LedgerOperation = strawberry.field(description="What was done.")
    quantity: Decimal = strawberry.field(description="Quantity, in the line's unit.")
    value: Decimal | None = strawberry.field(description="Value, if counted.")


@strawberry.type(
    description="Electronic notification of accounting (Order 1907 p.10): release of the "
    "goods needs it; annulments (p.4) are notified too."
)
class AccountingNotification(Node):
    kind: NotificationKind = strawberry.field(description="What it reports.")
    declaration_number: str = strawberry.field(description="The declaration.")
    license_numbers: list[str] = strawberry.field(description="Licences concerned.")
    entries: list[NotificationEntry] = strawberry.field(description="The movements.")
    at: DateTime = strawberry.field(description="When it was issued.")

    @classmethod
    def from_doc(cls, doc: Document) -> AccountingNotification:
        return cls(
            id=to_global_id("AccountingNotification", doc["_id"]),
            kind=NotificationKind(doc["kind"]),
            declaration_number=doc["declarationNumber"],
            license_numbers=doc["licenseNumbers"],
            entries=[
                NotificationEntry(
                    license_number=e["licenseNumber"],
                    line_no=e["lineNo"],
                    item_no=e.get("itemNo"),
                    operation=LedgerOperation(e["operation"]),
                    quantity=e["quantity"],
                    value=e.get("value"),
                )
                for e in doc["entries"]
            ],
            at=doc["at"],
        )


NotificationConnection = Connection[AccountingNotification]


@strawberry.type(description="Result of verifying a licence's ledger (DESIGN).")
class LedgerVerification:
    license_number: str = strawberry.field(description="The licence.")
    entries: int = strawberry.field(description="Entries checked.")
    ok: bool = strawberry.field(description="Chain intact and figures equal its sums.")
    break_seq: int | None = strawberry.field(description="First entry that does not verify.")
    reason: str | None = strawberry.field(description="Why it does not verify.")
