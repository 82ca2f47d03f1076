"""Inputs of the licence feed.  Scalars reject malformed codes and numbers; business
rules (units, positive quantities, dates in order ...) come back as ``userErrors``."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.licenses import LineData, Party
from domain.limits import MAX_LICENSE_LINES
from schema.licenses.enums import (
    ControlMode,
    Direction,
    LicenseOrderField,
    LicenseStatus,
    LicenseType,
)
from schema.relay import OrderDirection
from schema.scalars import Decimal, HsCode, Inn


@strawberry.input(description="The licence holder.")
class HolderInput:
    inn: Inn = strawberry.field(description="Holder's INN.")
    name: str = strawberry.field(description="Holder's name.")

    def to_party(self) -> Party:
        return Party(name=self.name, inn=self.inn)


@strawberry.input(description="The foreign counterparty.")
class CounterpartyInput:
    name: str = strawberry.field(description="Counterparty's name.")
    country: str | None = strawberry.field(default=None, description="ISO 3166 alpha-2 code.")

    def to_party(self) -> Party:
        return Party(name=self.name, country=self.country)


@strawberry.input(description="A goods line of a licence.")
class LicenseLineInput:
    line_no: int = strawberry.field(description="Line number, from 1, unique in the licence.")
    name: str = strawberry.field(description="Goods name.")
    hs_code: HsCode = strawberry.field(description="HS code, 4 to 10 digits.")
    unit: str = strawberry.field(description='OKEI unit code, e.g. "166" (kg), "796" (pcs).')
    quantity_limit: Decimal = strawberry.field(description="Quantity allowed, > 0.")
    value_limit: Decimal | None = strawberry.field(default=None, description="Value allowed.")
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217 code of the value limit, e.g. USD."
    )

    def to_domain(self) -> LineData:
        return LineData(
            line_no=self.line_no,
            name=self.name,
            hs_code=self.hs_code,
            unit=self.unit,
            quantity_limit=self.quantity_limit,
            value_limit=self.value_limit,
            currency=self.currency,
        )


@strawberry.input(description="Registration of a licence by the feed (Order 1907 p.2-3).")
class RegisterLicenseInput:
    message_id: str = strawberry.field(
        description="The feed's message id: the same id again changes nothing."
    )
    number: str = strawberry.field(description="Licence number.")
    kind: LicenseType = strawberry.field(name="type", description="Kind of licence.")
    direction: Direction = strawberry.field(description="Export or import.")
    issuing_authority: str = strawberry.field(description="Authority that issued it.")
    holder: HolderInput = strawberry.field(description="Who the licence is issued to.")
    counterparty: CounterpartyInput | None = strawberry.field(
        default=None, description="Foreign counterparty."
    )
    valid_from: date = strawberry.field(description="First day of validity.")
    valid_to: date = strawberry.field(description="Last day of validity, inclusive.")
    control_mode: ControlMode = strawberry.field(
        default=ControlMode.ELECTRONIC,
        description="LEGACY for licences put on control before the Technology (p.2).",
    )
    lines: list[LicenseLineInput] = strawberry.field(
        description=f"Goods lines, 1 to {MAX_LICENSE_LINES:,}."
    )


@strawberry.input(description="An amendment of licence data by the feed (Order 1907 p.3).")
class AmendLicenseInput:
    message_id: str = strawberry.field(description="The feed's message id.")
    number: str = strawberry.field(description="Number of the licence to amend.")
    valid_from: date | None = strawberry.field(default=None, description="New first day.")
    valid_to: date | None = strawberry.field(default=None, description="New last day.")
    holder: HolderInput | None = strawberry.field(default=None, description="New holder.")
    counterparty: CounterpartyInput | None = strawberry.field(
        default=None, description="New counterparty."
    )
    lines: list[LicenseLineInput] | None = strawberry.field(
        default=None,
        description="Lines to replace (matched by line number; figures are kept) or add, at "
        f"most {MAX_LICENSE_LINES:,}.",
    )


@strawberry.input(description="Suspension, resumption or termination message (p.9).")
class LicenseStatusMessageInput:
    message_id: str = strawberry.field(description="The feed's message id.")
    number: str = strawberry.field(description="Licence number.")
    reason: str = strawberry.field(description="Grounds stated by the licensing authority.")
    decision_date: date | None = strawberry.field(
        default=None, description="Date of the authority's decision."
    )


@strawberry.input(description="Filters of the licences list; all given filters must hold.")
class LicenseFilter:
    status: list[LicenseStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    direction: Direction | None = strawberry.field(default=None, description="Export/import.")
    holder_inn: Inn | None = strawberry.field(default=None, description="Holder's INN.")
    hs_code_prefix: str | None = strawberry.field(
        default=None, description="Some line's HS code starts with these digits (2-10)."
    )
    valid_on: date | None = strawberry.field(
        default=None, description="Valid on this day (validFrom <= day <= validTo)."
    )


@strawberry.input(description="Order of the licences list.")
class LicenseOrder:
    field: LicenseOrderField = strawberry.field(description="Field to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending or descending."
    )
