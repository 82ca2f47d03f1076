"""Declaration object types.  Leaf fields are plain attributes; related documents
(revisions, ledger entries, the accounting notification) come through loaders."""

from __future__ import annotations

from typing import Any

import strawberry
from bson import ObjectId

from resolvers.context import Info
from resolvers.sight import seen_declaration, seen_ledger_entries, visible_declaration
from schema.declarations.enums import (
    DeclarationKind,
    DeclarationStatus,
    DiscrepancyCode,
    RefusalGround,
)
from schema.ledger import AccountingNotification, LedgerEntry
from schema.licenses.enums import Direction
from schema.licenses.types import Sender
from schema.relay import Connection, Node, to_global_id
from schema.scalars import CustomsOfficeCode, DateTime, Decimal, HsCode, Inn

Document = dict[str, Any]


def _sender(doc: Document | None) -> Sender | None:
    return Sender(key_id=doc["keyId"], name=doc["name"]) if doc else None


@strawberry.type(description="A goods item of a declaration citing a licence line.")
class DeclarationItem:
    item_no: int = strawberry.field(description="Item number, from 1.")
    name: str = strawberry.field(description="Goods description.")
    hs_code: HsCode = strawberry.field(description="10-digit HS code.")
    quantity: Decimal = strawberry.field(description="Declared quantity.")
    unit: str = strawberry.field(description="OKEI unit code.")
    value: Decimal | None = strawberry.field(description="Value, if declared.")
    currency: str | None = strawberry.field(description="ISO 4217 currency of the value.")
    license_number: str = strawberry.field(
        description="Licence cited; for an item citing a processing permit, the permit's "
        "number (see permitNumber): the document the item is accounted against."
    )
    line_no: int = strawberry.field(
        description="Licence line cited; for an item citing a permit, its table 3 row."
    )
    earlier_declaration: str | None = strawberry.field(
        description="Declaration under which these goods were already accounted (p.7)."
    )
    permit_number: str | None = strawberry.field(
        default=None,
        description="Processing permit cited (procedure 51, DESIGN Part B); null for a licence.",
    )
    permit_row: int | None = strawberry.field(
        default=None, description="Table 3 row of the permit cited; null for a licence."
    )

    @classmethod
    def from_doc(cls, doc: Document) -> DeclarationItem:
        return cls(
            item_no=doc["itemNo"],
            name=doc["name"],
            hs_code=doc["hsCode"],
            quantity=doc["quantity"],
            unit=doc["unit"],
            value=doc.get("value"),
            currency=doc.get("currency"),
            license_number=doc["licenseNumber"],
            line_no=doc["lineNo"],
            earlier_declaration=doc.get("earlierDeclaration"),
            permit_number=doc.get("permitNumber"),
            permit_row=doc["lineNo"] if doc.get("permitNumber") else None,
        )


@strawberry.type(description="A finding of control (Order 1907 p.6).")
class Discrepancy:
    code: DiscrepancyCode = strawberry.field(description="Stable code.")
    item_no: int = strawberry.field(description="Item concerned.")
    message: str = strawberry.field(description="What differs, with the figures.")
    affects_restrictions: bool = strawberry.field(
        description="Affects prohibitions and restrictions (blocks release, p.9)."
    )
    fixable: bool = strawberry.field(
        description="The declarant can fix it by a correction; suspension and termination "
        "cannot be fixed (p.9)."
    )
    license_number: str | None = strawberry.field(description="Licence concerned.")
    line_no: int | None = strawberry.field(description="Licence line concerned.")

    @classmethod
    def from_doc(cls, doc: Document) -> Discrepancy:
        return cls(
            code=DiscrepancyCode(doc["code"]),
            item_no=doc["itemNo"],
            message=doc["message"],
            affects_restrictions=doc["affectsRestrictions"],
            fixable=doc["fixable"],
            license_number=doc.get("licenseNumber"),
            line_no=doc.get("lineNo"),
        )


@strawberry.type(description="A change of status with who made it and when.")
class StatusChange:
    status: DeclarationStatus = strawberry.field(description="The new status.")
    at: DateTime = strawberry.field(description="When.")
    by: Sender | None = strawberry.field(description="Who.")
    reason: str | None = strawberry.field(description="Why, when stated.")


@strawberry.type(description="An extension of the release deadline (DESIGN).")
class DeadlineExtension:
    hours: int = strawberry.field(description="Hours added.")
    reason: str = strawberry.field(description="Why.")
    new_deadline: DateTime = strawberry.field(description="The deadline after it.")
    at: DateTime = strawberry.field(description="When.")
    by: Sender | None = strawberry.field(description="Which officer.")


@strawberry.type(description="A refusal ground established at refusal (Order 1907 p.9).")
class EstablishedGround:
    code: RefusalGround = strawberry.field(description="The ground.")
    message: str = strawberry.field(description="What established it.")
    item_nos: list[int] = strawberry.field(description="Items it concerns.")


@strawberry.type(description="The refusal of release (Order 1907 p.9).")
class Refusal:
    grounds: list[EstablishedGround] = strawberry.field(description="Grounds named.")
    reason: str = strawberry.field(description="The officer's statement.")
    at: DateTime = strawberry.field(description="When.")
    by: Sender | None = strawberry.field(description="Which officer.")


@strawberry.type(description="A step of the automatic mode's trace (Order 1907 p.13).")
class TraceStep:
    step: str = strawberry.field(description="CONTROL, DEADLINE, ACCOUNTING or DECISION.")
    point: str = strawberry.field(description="The point of the Order applied.")
    passed: bool = strawberry.field(description="Whether the step passed.")
    detail: str = strawberry.field(description="What was found.")
    at: DateTime = strawberry.field(description="When.")


@strawberry.type(description="A revision of the declaration's items (DESIGN Corrections).")
class DeclarationRevision:
    revision: int = strawberry.field(description="1 at registration, +1 per correction.")
    items: list[DeclarationItem] = strawberry.field(description="The items of this revision.")
    reason: str | None = strawberry.field(description="Why it was made.")
    at: DateTime = strawberry.field(description="When.")
    by: Sender | None = strawberry.field(description="Who.")


def _refusal(doc: Document | None) -> Refusal | None:
    if not doc:
        return None
    return Refusal(
        grounds=[
            EstablishedGround(
                code=RefusalGround(g["code"]), message=g["message"], item_nos=g["itemNos"]
            )
            for g in doc["grounds"]
        ],
        reason=doc["reason"],
        at=doc["at"],
        by=_sender(doc.get("by")),
    )


# Fields of what the principal may learn (DESIGN "Holder", resolvers/sight.py): a
# declaration citing a licence or permit the principal does not see reads as citing an
# unknown one, whatever an officer's control found.


async def _discrepancies(root: Declaration, info: Info) -> list[Discrepancy]:
    doc = await seen_declaration(info, root.stored)
    return [Discrepancy.from_doc(d) for d in doc.get("discrepancies", [])]


async def _refusal_seen(root: Declaration, info: Info) -> Refusal | None:
    if not root.stored.get("refusal"):
        return None
    return _refusal((await seen_declaration(info, root.stored)).get("refusal"))


async def _auto_trace(root: Declaration, info: Info) -> list[TraceStep]:
    if not root.stored.get("autoTrace"):
        return []
    doc = await seen_declaration(info, root.stored)
    return [
        TraceStep(
            step=t["step"], point=t["point"], passed=t["passed"], detail=t["detail"], at=t["at"]
        )
        for t in doc.get("autoTrace", [])
    ]


@strawberry.type(description="A goods declaration under licensed goods control.")
class Declaration(Node):
    number: str = strawberry.field(description="CCCCCCCC/DDMMYY/NNNNNNN.")
    kind: DeclarationKind = strawberry.field(description="Standard, temporary or full.")
    direction: Direction = strawberry.field(description="Export or import.")
    procedure: str = strawberry.field(description="Customs procedure code (80 = transit).")
    first_procedure: bool = strawberry.field(
        description="Declared under the goods' first customs procedure (p.7)."
    )
    customs_office: CustomsOfficeCode = strawberry.field(description="Customs office.")
    declarant_inn: Inn = strawberry.field(description="Declarant's INN.")
    represented_inn: Inn | None = strawberry.field(
        description="INN of the person a customs representative acts for."
    )
    registered_at: DateTime = strawberry.field(description="Registration time.")
    release_deadline: DateTime = strawberry.field(description="Release deadline (DESIGN).")
    deadline_extensions: list[DeadlineExtension] = strawberry.field(description="Extensions.")
    items: list[DeclarationItem] = strawberry.field(description="Items of the current revision.")
    status: DeclarationStatus = strawberry.field(description="Current status.")
    status_history: list[StatusChange] = strawberry.field(description="Every status, in order.")
    revision: int = strawberry.field(description="Current revision number.")
    discrepancies: list[Discrepancy] = strawberry.field(
        resolver=_discrepancies, description="Latest control findings."
    )
    controlled_at: DateTime | None = strawberry.field(description="Latest control.")
    accounted_at: DateTime | None = strawberry.field(description="When accounting was done.")
    refusal: Refusal | None = strawberry.field(
        resolver=_refusal_seen, description="The refusal, if refused."
    )
    auto_trace: list[TraceStep] = strawberry.field(
        resolver=_auto_trace, description="Automatic mode's trace (p.13)."
    )
    temporary_declarations: list[str] = strawberry.field(
        description="Temporary declarations a full one completes (p.12)."
    )
    version: int = strawberry.field(description="Changes so far (optimistic concurrency).")
    stored: strawberry.Private[Document]
    object_id: strawberry.Private[ObjectId]
    notification_id: strawberry.Private[ObjectId | None]
    covered_by_id: strawberry.Private[ObjectId | None]

    @classmethod
    def from_doc(cls, doc: Document) -> Declaration:
        accounting = doc.get("accounting") or {}
        return cls(
            id=to_global_id("Declaration", doc["_id"]),
            object_id=doc["_id"],
            number=doc["number"],
            kind=DeclarationKind(doc["kind"]),
            direction=Direction(doc["direction"]),
            procedure=doc["procedure"],
            first_procedure=doc.get("firstProcedure", True),
            customs_office=doc["customsOffice"],
            declarant_inn=doc["declarantInn"],
            represented_inn=doc.get("representedInn"),
            registered_at=doc["registeredAt"],
            release_deadline=doc["releaseDeadline"],
            deadline_extensions=[
                DeadlineExtension(
                    hours=e["hours"],
                    reason=e["reason"],
                    new_deadline=e["newDeadline"],
                    at=e["at"],
                    by=_sender(e.get("by")),
                )
                for e in doc.get("deadlineExtensions", [])
            ],
            items=[DeclarationItem.from_doc(item) for item in doc["items"]],
            status=DeclarationStatus(doc["status"]),
            status_history=[
                StatusChange(
                    status=DeclarationStatus(h["status"]),
                    at=h["at"],
                    by=_sender(h.get("by")),
                    reason=h.get("reason"),
                )
                for h in doc.get("statusHistory", [])
            ],
            revision=doc["revision"],
            controlled_at=doc.get("controlledAt"),
            accounted_at=accounting.get("at"),
            stored=doc,
            temporary_declarations=doc.get("temporaryNumbers", []),
            version=doc["version"],
            notification_id=accounting.get("notificationId"),
            covered_by_id=doc.get("coveredBy"),
        )

    @strawberry.field(description="The accounting notification (p.10); release needs it.")
    async def accounting_notification(self, info: Info) -> AccountingNotification | None:
        if self.notification_id is None:
            return None
        doc = await info.context.loaders.notification_by_id.load(self.notification_id)
        return AccountingNotification.from_doc(doc) if doc else None

    @strawberry.field(description="Ledger entries this declaration caused, in order.")
    async def ledger_entries(self, info: Info) -> list[LedgerEntry]:
        return [LedgerEntry.from_doc(doc) for doc in await seen_ledger_entries(info, self.stored)]

    @strawberry.field(description="Every revision of the items, oldest first.")
    async def revisions(self, info: Info) -> list[DeclarationRevision]:
        docs = await info.context.loaders.revisions_by_declaration.load(self.object_id)
        return [
            DeclarationRevision(
                revision=d["revision"],
                items=[DeclarationItem.from_doc(i) for i in d["items"]],
                reason=d.get("reason"),
                at=d["at"],
                by=_sender(d.get("by")),
            )
            for d in docs
        ]

    @strawberry.field(description="The full declaration covering this temporary one (p.12).")
    async def covered_by(self, info: Info) -> Declaration | None:
        if self.covered_by_id is None:
            return None
        doc = await info.context.loaders.declaration_by_id.load(self.covered_by_id)
        seen = visible_declaration(info, doc)
        return Declaration.from_doc(seen) if seen else None


DeclarationConnection = Connection[Declaration]
