"""Payloads of the licensed goods control mutations, each with its own error code enum
(declared as every area's are: :mod:`schema.payloads`), and the preview's types."""

from __future__ import annotations

import strawberry

from schema.declarations.enums import DISCREPANCY_TEXT
from schema.declarations.types import Declaration, Discrepancy
from schema.errors import UserError
from schema.payloads import LIST_CODES, Subject, error_codes, mutation_payload
from schema.scalars import Decimal

_BASE = {
    "REQUIRED": "A required value is empty.",
    "DECLARATION_NOT_FOUND": "No declaration with this number is visible to you.",
    "IDEMPOTENCY_KEY_REUSED": "The idempotency key was used before for other content.",
    "INVALID_STATUS_TRANSITION": "The declaration's status does not allow this operation.",
    "DECLARATION_CLOSED": "The declaration is released, refused or withdrawn.",
}
_ITEMS = {
    "INVALID_ITEM_NUMBER": "Items are not numbered 1, 2, ... in order.",
    "INVALID_HS_CODE": "An item's HS code is not 10 digits.",
    "UNKNOWN_UNIT": "A unit is not a known OKEI code.",
    "QUANTITY_NOT_POSITIVE": "A quantity is zero or negative.",
    "VALUE_NOT_POSITIVE": "A value is zero or negative.",
    "TOO_MANY_DECIMALS": "A quantity has over 6 decimals or an amount over 2.",
    "INVALID_CURRENCY": "A currency is not an ISO 4217 code.",
    "INVALID_DECLARATION_NUMBER": "A declaration number is not CCCCCCCC/DDMMYY/NNNNNNN.",
    "INVALID_DECLARATION_DATE": "The DDMMYY part of a number is not a date.",
    "INVALID_CUSTOMS_OFFICE_CODE": "A customs office code is not 8 digits.",
    "INVALID_DECLARATION_SERIAL": "The serial part of a number is out of range.",
    "LICENCE_OR_PERMIT": "An item cites both a licence and a processing permit.",
    "INVALID_PERMIT_ROW": "A permit's table 3 row number is below 1.",
    "PERMIT_NEEDS_PROCEDURE_51": "A processing permit is cited only under procedure 51.",
}
_LEDGER = {
    "LINE_UNKNOWN": "The licence has no such line.",
    "UNIT_MISMATCH": "A unit does not convert to the line's.",
    "INVALID_MOVEMENT": "A movement of a non-positive quantity.",
    "NEGATIVE_LIMIT": "A limit would go below zero.",
    "NEGATIVE_FIGURE": "A figure would go below zero.",
    "RELEASED_EXCEEDS_ACCOUNTED": "More would be released than is accounted.",
    "ACCOUNTED_EXCEEDS_LIMIT": "More would be accounted than the limit allows.",
    "VALUE_NEGATIVE_FIGURE": "A value figure would go below zero.",
    "VALUE_RELEASED_EXCEEDS_ACCOUNTED": "More value would be released than is accounted.",
    "VALUE_ACCOUNTED_EXCEEDS_LIMIT": "More value would be accounted than the limit allows.",
    "ALREADY_RELEASED": "Goods already released keep their accounting.",
    "ALREADY_ACCOUNTED": "The declaration (or an item of this revision) is already accounted.",
    **DISCREPANCY_TEXT,
}


RegisterDeclarationErrorCode = error_codes(
    "RegisterDeclarationErrorCode",
    "a registration",
    _BASE,
    _ITEMS,
    added=LIST_CODES,
    NUMBER_OFFICE_MISMATCH="The number does not begin with the customs office's code.",
    INVALID_PROCEDURE="The procedure code is not 2 digits.",
    INVALID_INN="An INN is malformed or fails its check digit.",
    PERIODIC_DECLARING_EXPORT_ONLY="Temporary and full declarations are for exports (p.11).",
    TEMPORARY_DECLARATIONS_REQUIRED="A full declaration cites its temporary ones (p.12).",
    TEMPORARY_DECLARATIONS_NOT_ALLOWED="Only a full declaration cites temporary ones.",
    NOT_YOUR_DECLARATION="A DECLARANT key registers its own INN's declarations only.",
    NUMBER_ALREADY_REGISTERED="The number is registered with other content.",
    TEMPORARY_NOT_FOUND="A temporary declaration cited does not exist.",
    TEMPORARY_OF_OTHER_DECLARANT="A temporary declaration cited is another declarant's.",
    TEMPORARY_CLOSED="A temporary declaration cited was refused or withdrawn.",
    TEMPORARY_ALREADY_COVERED="A temporary declaration cited is covered by another full one.",
)
ControlDeclarationErrorCode = error_codes("ControlDeclarationErrorCode", "control", _BASE)
AccountDeclarationErrorCode = error_codes(
    "AccountDeclarationErrorCode",
    "accounting",
    _BASE,
    _LEDGER,
    NOT_CONTROLLED="Control it first (p.6).",
    ACCOUNTING_NOT_REQUIRED="Not accounted under this procedure (p.7).",
)
ReleaseDeclarationErrorCode = error_codes(
    "ReleaseDeclarationErrorCode",
    "release",
    _BASE,
    _LEDGER,
    ACCOUNTING_NOT_NOTIFIED="No accounting notification yet (p.10).",
    RELEASE_DEADLINE_PASSED="The release deadline has passed (p.9).",
)
RefuseReleaseErrorCode = error_codes(
    "RefuseReleaseErrorCode",
    "a refusal",
    _BASE,
    _LEDGER,
    added=LIST_CODES,
    GROUND_NOT_ESTABLISHED="A ground named does not hold now (p.9).",
    COVERED_BY_FULL_DECLARATION="A temporary declaration covered by a full one (p.12).",
)
WithdrawDeclarationErrorCode = error_codes(
    "WithdrawDeclarationErrorCode",
    "a withdrawal",
    _BASE,
    _LEDGER,
    WITHDRAWAL_AFTER_RELEASE="Withdrawal is possible only before release (DESIGN).",
    COVERED_BY_FULL_DECLARATION="A temporary declaration covered by a full one (p.12).",
)
CorrectDeclarationErrorCode = error_codes(
    "CorrectDeclarationErrorCode",
    "a correction",
    _BASE,
    _ITEMS,
    _LEDGER,
    added=LIST_CODES,
    CORRECTION_AFTER_ACTUALISATION="A full declaration cannot be corrected once actualised.",
    COVERED_BY_FULL_DECLARATION="A temporary declaration covered by a full one (p.12).",
)
ExtendReleaseDeadlineErrorCode = error_codes(
    "ExtendReleaseDeadlineErrorCode",
    "an extension",
    _BASE,
    INVALID_EXTENSION="An extension is a positive number of hours, at most a year's.",
)
RunAutomaticModeErrorCode = error_codes(
    "RunAutomaticModeErrorCode",
    "the automatic mode",
    _BASE,
    _LEDGER,
    AUTOMATIC_MODE_NOT_APPLICABLE="The declaration is past control (p.13).",
)


DECLARATION = Subject(
    "declaration", Declaration, "The declaration after the operation; null when refused."
)


RegisterDeclarationError, RegisterDeclarationPayload = mutation_payload(
    RegisterDeclarationErrorCode, DECLARATION, "registerDeclaration"
)
ControlDeclarationError, ControlDeclarationPayload = mutation_payload(
    ControlDeclarationErrorCode, DECLARATION, "controlDeclaration (p.6)"
)
AccountDeclarationError, AccountDeclarationPayload = mutation_payload(
    AccountDeclarationErrorCode, DECLARATION, "accountDeclaration (p.7-8)"
)
ReleaseDeclarationError, ReleaseDeclarationPayload = mutation_payload(
    ReleaseDeclarationErrorCode, DECLARATION, "releaseDeclaration (p.8-10)"
)
RefuseReleaseError, RefuseReleasePayload = mutation_payload(
    RefuseReleaseErrorCode, DECLARATION, "refuseRelease (p.9)"
)
WithdrawDeclarationError, WithdrawDeclarationPayload = mutation_payload(
    WithdrawDeclarationErrorCode, DECLARATION, "withdrawDeclaration (p.4)"
)
CorrectDeclarationError, CorrectDeclarationPayload = mutation_payload(
    CorrectDeclarationErrorCode, DECLARATION, "correctDeclaration"
)
ExtendReleaseDeadlineError, ExtendReleaseDeadlinePayload = mutation_payload(
    ExtendReleaseDeadlineErrorCode, DECLARATION, "extendReleaseDeadline"
)
RunAutomaticModeError, RunAutomaticModePayload = mutation_payload(
    RunAutomaticModeErrorCode, DECLARATION, "runAutomaticMode (p.13)"
)


@strawberry.type(description="What the rules would say for a draft declaration.")
class PreviewProblem(UserError):
    code: str = strawberry.field(
        description="A RegisterDeclarationErrorCode or AccountDeclarationErrorCode value."
    )


@strawberry.type(description="A write-off (or actualisation) that accounting would make.")
class PlannedEntry:
    license_number: str = strawberry.field(description="The licence.")
    line_no: int = strawberry.field(description="The licence line.")
    item_no: int | None = strawberry.field(description="The item.")
    operation: str = strawberry.field(description="WRITE_OFF or ACTUALISATION.")
    quantity: Decimal = strawberry.field(description="Quantity in the line's unit.")
    value: Decimal | None = strawberry.field(description="Value, if counted.")


@strawberry.type(
    description="A dry run for declarants before they file: control (p.6) and accounting "
    "(p.7-8) as they would be now. Nothing is written."
)
class DeclarationPreview:
    input_errors: list[PreviewProblem] = strawberry.field(
        description="Problems of the draft itself; when any, nothing else was checked."
    )
    discrepancies: list[Discrepancy] = strawberry.field(description="Control findings.")
    accounting_required: bool = strawberry.field(
        description="Whether the goods would be accounted (p.7)."
    )
    planned_entries: list[PlannedEntry] = strawberry.field(
        description="What accounting would write off."
    )
    accounting_errors: list[PreviewProblem] = strawberry.field(
        description="Why accounting would be refused."
    )
