"""Licence object types.  Leaf fields are plain attributes filled from the document;
only reads of other collections (history) have resolvers, and those go through loaders."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, cast

import strawberry
from bson import ObjectId
from strawberry.scalars import JSON

from domain.licenses import line_is_exhausted, shown_available
from domain.units import UNITS
from resolvers import ledger as ledger_resolvers
from resolvers.context import Info
from schema.ledger import LedgerConnection, LedgerEntry
from schema.licenses.enums import (
    ControlMode,
    Direction,
    LicenseEventKind,
    LicenseStatus,
    LicenseType,
)
from schema.relay import AFTER, BEFORE, FIRST, LAST, Connection, Node, to_global_id
from schema.scalars import DateTime, Decimal, HsCode, Inn

Document = dict[str, Any]


@strawberry.type(description="The person a licence is issued to.")
class Holder:
    inn: Inn = strawberry.field(description="Holder's INN.")
    name: str = strawberry.field(description="Holder's name.")


@strawberry.type(description="The foreign counterparty of the licensed deal.")
class Counterparty:
    name: str = strawberry.field(description="Counterparty's name.")
    country: str | None = strawberry.field(description="ISO 3166 alpha-2 country code.")


@strawberry.type(
    description="A goods line of a licence with its figures. Invariant: released <= "
    "accounted <= limit (DESIGN); figures are exact decimals."
)
class LicenseLine:
    line_no: int = strawberry.field(description="Line number within the licence.")
    name: str = strawberry.field(description="Goods name as the licence states it.")
    hs_code: HsCode = strawberry.field(description="HS code (a prefix covers longer codes).")
    unit: str = strawberry.field(description="Unit of the quantity: OKEI code, e.g. 166 = kg.")
    unit_name: str = strawberry.field(description="Short name of the unit, e.g. кг.")
    quantity_limit: Decimal = strawberry.field(description="Quantity the licence allows.")
    accounted: Decimal = strawberry.field(
        description="Quantity written off by declarations and not annulled (Order 1907 p.7)."
    )
    released: Decimal = strawberry.field(
        description="Part of the accounted quantity whose goods were released (p.8)."
    )
    available: Decimal = strawberry.field(
        description="Quantity that can still be written off: limit - accounted, never below 0."
    )
    excess: Decimal = strawberry.field(
        description="Accounted above the limit after an authoritative amendment lowered it; "
        "0 normally (DESIGN)."
    )
    value_limit: Decimal | None = strawberry.field(description="Value the licence allows.")
    value_accounted: Decimal | None = strawberry.field(description="Value written off.")
    value_released: Decimal | None = strawberry.field(description="Value released.")
    value_available: Decimal | None = strawberry.field(description="Value still available.")
    currency: str | None = strawberry.field(description="ISO 4217 currency of the values.")
    exhausted: bool = strawberry.field(
        description="Nothing of the quantity (or of the value) is left (Order 1907 p.9)."
    )

    @classmethod
    def from_doc(cls, doc: Document) -> LicenseLine:
        available, excess = shown_available(doc["available"])
        value_available = doc.get("valueAvailable")
        value_left = None
        if value_available is not None:
            value_left, _ = shown_available(value_available)
        unit = UNITS.get(doc["unit"])
        return cls(
            line_no=doc["lineNo"],
            name=doc["name"],
            hs_code=doc["hsCode"],
            unit=doc["unit"],
            unit_name=unit.name if unit else doc["unit"],
            quantity_limit=doc["quantityLimit"],
            accounted=doc["accounted"],
            released=doc["released"],
            available=Decimal(available),
            excess=Decimal(excess),
            value_limit=doc.get("valueLimit"),
            value_accounted=doc.get("valueAccounted"),
            value_released=doc.get("valueReleased"),
            value_available=None if value_left is None else Decimal(value_left),
            currency=doc.get("currency"),
            exhausted=line_is_exhausted(doc["available"], value_available, doc.get("valueLimit")),
        )


@strawberry.type(description="Who sent a message.")
class Sender:
    key_id: str = strawberry.field(description="Id of the API key that sent it.")
    name: str = strawberry.field(description="Name the API key was created with.")


@strawberry.type(
    description="One feed message applied to a licence: the information on execution of "
    "the licence (Order 1907 p.3)."
)
class LicenseHistoryEntry:
    seq: int = strawberry.field(description="1 for the registration, then +1 per message.")
    kind: LicenseEventKind = strawberry.field(description="What the message did.")
    message_id: str = strawberry.field(description="The feed's message id (idempotency key).")
    sent_by: Sender = strawberry.field(description="Who sent it.")
    received_at: DateTime = strawberry.field(description="When it took effect.")
    payload: JSON = strawberry.field(
        description="The message as received, decimals as strings (for audit)."
    )

    @classmethod
    def from_doc(cls, doc: Document) -> LicenseHistoryEntry:
        return cls(
            seq=doc["seq"],
            kind=LicenseEventKind(doc["kind"]),
            message_id=doc["messageId"],
            sent_by=Sender(key_id=doc["sentBy"]["keyId"], name=doc["sentBy"]["name"]),
            received_at=doc["receivedAt"],
            payload=cast(JSON, doc.get("payload")),
        )


def derived_status(doc: Document) -> LicenseStatus:
    """Stored status, with ACTIVE shown as EXHAUSTED when every line is used up or the
    feed reported exhaustion (``state``, kept with every write)."""
    return LicenseStatus(doc["state"])


@strawberry.type(description="A Minpromtorg licence as received from EAIS (Order 1907 p.2-3).")
class License(Node):
    number: str = strawberry.field(description="Licence number.")
    type: LicenseType = strawberry.field(description="One-time, general or exclusive.")
    direction: Direction = strawberry.field(description="Export or import.")
    issuing_authority: str = strawberry.field(description="Authority that issued it.")
    holder: Holder = strawberry.field(description="Who the licence is issued to.")
    counterparty: Counterparty | None = strawberry.field(description="Foreign counterparty.")
    valid_from: date = strawberry.field(description="First day of validity.")
    valid_to: date = strawberry.field(description="Last day of validity (inclusive).")
    control_mode: ControlMode = strawberry.field(description="Electronic or legacy (p.2).")
    status: LicenseStatus = strawberry.field(description="Current state.")
    lines: list[LicenseLine] = strawberry.field(description="Goods lines, by line number.")
    exhaustion_reported: bool = strawberry.field(
        description="The feed reported the licence exhausted: a refusal ground (p.9)."
    )
    version: int = strawberry.field(description="Number of messages applied so far.")
    registered_at: DateTime = strawberry.field(description="When the licence arrived.")
    updated_at: DateTime = strawberry.field(description="When the last message took effect.")
    object_id: strawberry.Private[ObjectId]

    @classmethod
    def from_doc(cls, doc: Document) -> License:
        counterparty = doc.get("counterparty")
        return cls(
            id=to_global_id("License", doc["_id"]),
            object_id=doc["_id"],
            number=doc["number"],
            type=LicenseType(doc["type"]),
            direction=Direction(doc["direction"]),
            issuing_authority=doc["issuingAuthority"],
            holder=Holder(inn=doc["holder"]["inn"], name=doc["holder"]["name"]),
            counterparty=(
                Counterparty(name=counterparty["name"], country=counterparty.get("country"))
                if counterparty
                else None
            ),
            valid_from=doc["validFrom"].date(),
            valid_to=doc["validTo"].date(),
            control_mode=ControlMode(doc["controlMode"]),
            status=derived_status(doc),
            lines=[LicenseLine.from_doc(line) for line in doc["lines"]],
            exhaustion_reported=doc.get("exhaustionReported", False),
            version=doc["version"],
            registered_at=doc["registeredAt"],
            updated_at=doc["updatedAt"],
        )

    @strawberry.field(description="Feed messages applied to the licence, newest first (p.3).")
    async def history(self, info: Info) -> list[LicenseHistoryEntry]:
        docs = await info.context.loaders.license_history.load(self.object_id)
        return [LicenseHistoryEntry.from_doc(doc) for doc in docs]

    @strawberry.field(description="The licence's ledger, newest entry first (p.3; DESIGN).")
    async def ledger(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> LedgerConnection:
        return await ledger_resolvers.ledger_of(info, self.object_id, first, after, last, before)

    @strawberry.field(
        description="Each line's figures as of a past moment: the last ledger entry of the "
        "line at or before it (lines without one then had none)."
    )
    async def balances_at(
        self,
        info: Info,
        moment: Annotated[DateTime, strawberry.argument(description="The moment.")],
    ) -> list[LedgerEntry]:
        return await ledger_resolvers.balances_at(info, self.object_id, moment)


LicenseConnection = Connection[License]
