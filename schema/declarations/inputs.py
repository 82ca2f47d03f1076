"""Inputs of licensed goods control."""

from __future__ import annotations

import strawberry

from domain.declarations import DeclarationData, ItemData
from domain.limits import MAX_DECLARATION_ITEMS, MAX_REFUSAL_GROUNDS, MAX_TEMPORARY_DECLARATIONS
from schema.declarations.enums import DeclarationKind, DeclarationStatus, RefusalGround
from schema.licenses.enums import Direction
from schema.scalars import CustomsOfficeCode, DateTime, Decimal, Inn


@strawberry.input(description="A goods item citing a licence line.")
class DeclarationItemInput:
    item_no: int = strawberry.field(description="Item number: 1, 2, ... in order.")
    name: str = strawberry.field(description="Goods description.")
    hs_code: str = strawberry.field(description="10-digit HS code.")
    quantity: Decimal = strawberry.field(description="Quantity, > 0, at most 6 decimals.")
    unit: str = strawberry.field(description="OKEI unit code; converts to the line's if it can.")
    license_number: str | None = strawberry.field(
        default=None, description="Licence cited; exactly one of a licence or a permit."
    )
    line_no: int | None = strawberry.field(
        default=None, description="Licence line cited (with licenseNumber)."
    )
    value: Decimal | None = strawberry.field(default=None, description="Value, > 0.")
    currency: str | None = strawberry.field(default=None, description="ISO 4217 currency.")
    earlier_declaration: str | None = strawberry.field(
        default=None,
        description="Number of the declaration under which these goods were already "
        "accounted; they are then not accounted again (p.7), which is checked.",
    )
    permit_number: str | None = strawberry.field(
        default=None,
        description="Processing permit cited instead of a licence (procedure 51 only): the "
        "goods are placed under processing against its table 3 (DESIGN Part B).",
    )
    permit_row: int | None = strawberry.field(
        default=None,
        description="Table 3 row of the permit cited; 1 when omitted (a table with one row).",
    )

    def to_data(self) -> ItemData:
        return ItemData(
            item_no=self.item_no,
            name=self.name,
            hs_code=self.hs_code,
            quantity=self.quantity,
            unit=self.unit,
            license_number=self.license_number or "",
            line_no=self.line_no or 0,
            value=self.value,
            currency=self.currency,
            earlier_declaration=self.earlier_declaration,
            permit_number=self.permit_number,
            permit_row=self.permit_row,
        )


@strawberry.input(description="A goods declaration.")
class DeclarationInput:
    number: str = strawberry.field(description="CCCCCCCC/DDMMYY/NNNNNNN.")
    kind: DeclarationKind = strawberry.field(
        default=DeclarationKind.STANDARD, description="Standard, temporary or full."
    )
    direction: Direction = strawberry.field(description="Export or import.")
    procedure: str = strawberry.field(description="Customs procedure code, 2 digits.")
    first_procedure: bool = strawberry.field(
        default=True, description="The goods' first declared customs procedure (p.7)."
    )
    customs_office: CustomsOfficeCode = strawberry.field(description="Customs office.")
    declarant_inn: Inn = strawberry.field(description="Declarant's INN.")
    represented_inn: Inn | None = strawberry.field(
        default=None, description="INN of the person a customs representative acts for."
    )
    items: list[DeclarationItemInput] = strawberry.field(
        description=f"Goods items, 1 to {MAX_DECLARATION_ITEMS}."
    )
    temporary_declarations: list[str] = strawberry.field(
        default_factory=list,
        description="For a full declaration: the temporary declarations it completes (p.12), "
        f"at most {MAX_TEMPORARY_DECLARATIONS}.",
    )

    def to_data(self) -> DeclarationData:
        return DeclarationData(
            number=self.number.strip(),
            kind=self.kind,
            direction=self.direction,
            procedure=self.procedure,
            customs_office=self.customs_office,
            declarant_inn=self.declarant_inn,
            represented_inn=self.represented_inn,
            first_procedure=self.first_procedure,
            items=[item.to_data() for item in self.items],
            temporary_numbers=[n.strip() for n in self.temporary_declarations],
        )


@strawberry.input(description="Registration of a declaration.")
class RegisterDeclarationInput:
    idempotency_key: str = strawberry.field(description="The same key again changes nothing.")
    declaration: DeclarationInput = strawberry.field(description="The declaration.")


@strawberry.input(description="An operation on a registered declaration.")
class DeclarationOperationInput:
    idempotency_key: str = strawberry.field(description="The same key again changes nothing.")
    number: str = strawberry.field(description="The declaration's number.")


@strawberry.input(description="Refusal of release (Order 1907 p.9).")
class RefuseReleaseInput:
    idempotency_key: str = strawberry.field(description="The same key again changes nothing.")
    number: str = strawberry.field(description="The declaration's number.")
    grounds: list[RefusalGround] = strawberry.field(
        description=f"Grounds, at most {MAX_REFUSAL_GROUNDS}; each must hold now."
    )
    reason: str = strawberry.field(description="The officer's statement.")


@strawberry.input(description="Withdrawal of a declaration (Order 1907 p.4).")
class WithdrawDeclarationInput:
    idempotency_key: str = strawberry.field(description="The same key again changes nothing.")
    number: str = strawberry.field(description="The declaration's number.")
    reason: str = strawberry.field(default="", description="Why it is withdrawn.")


@strawberry.input(description="A correction of the items (DESIGN Corrections).")
class CorrectDeclarationInput:
    idempotency_key: str = strawberry.field(description="The same key again changes nothing.")
    number: str = strawberry.field(description="The declaration's number.")
    items: list[DeclarationItemInput] = strawberry.field(
        description=f"All items, corrected (at most {MAX_DECLARATION_ITEMS})."
    )
    reason: str = strawberry.field(default="", description="What was corrected and why.")


@strawberry.input(description="An extension of the release deadline (DESIGN).")
class ExtendReleaseDeadlineInput:
    idempotency_key: str = strawberry.field(description="The same key again changes nothing.")
    number: str = strawberry.field(description="The declaration's number.")
    hours: int = strawberry.field(description="Whole hours to add, > 0.")
    reason: str = strawberry.field(description="Why.")


@strawberry.input(description="Filters of the declarations list; all given must hold.")
class DeclarationFilter:
    status: list[DeclarationStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    license_number: str | None = strawberry.field(
        default=None, description="Some item cites this licence."
    )
    declarant_inn: Inn | None = strawberry.field(default=None, description="Declarant's INN.")
    registered_from: DateTime | None = strawberry.field(
        default=None, description="Registered at or after this moment."
    )
    registered_to: DateTime | None = strawberry.field(
        default=None, description="Registered before this moment."
    )
    procedure: str | None = strawberry.field(default=None, description="Procedure code.")
    kind: DeclarationKind | None = strawberry.field(
        default=None, description="Kind of declaration."
    )
