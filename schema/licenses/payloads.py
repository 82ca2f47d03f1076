"""Payloads of the licence feed mutations, each with an error code enum of its own."""

from __future__ import annotations

import strawberry

from schema.enum_factory import described_enum
from schema.errors import UserError
from schema.licenses.types import License

_LINE_CODES = {
    "REQUIRED": "A required value is empty.",
    "INVALID_HS_CODE": "An HS code is not 4, 6, 8, 9 or 10 digits.",
    "UNKNOWN_UNIT": "A unit is not a known OKEI code.",
    "QUANTITY_NOT_POSITIVE": "A quantity is zero or negative.",
    "VALUE_NOT_POSITIVE": "A value is zero or negative.",
    "TOO_MANY_DECIMALS": "A quantity has over 6 decimals or an amount over 2.",
    "INVALID_LINE_NUMBER": "A line number is below 1.",
    "DUPLICATE_LINE_NUMBER": "Two lines share a number.",
    "INVALID_CURRENCY": "A currency is not an ISO 4217 code.",
    "INVALID_INN": "An INN is malformed or fails its check digit.",
    "INVALID_COUNTRY": "A country is not an ISO 3166 alpha-2 code.",
    "INVALID_VALIDITY": "Validity ends before it starts.",
    "MESSAGE_ID_REUSED": "The message id was used before for other content.",
}
_EXISTING_CODES = {
    "LICENSE_NOT_FOUND": "No licence has this number.",
    "INVALID_STATUS_TRANSITION": "The licence's status does not allow this message.",
    "MESSAGE_ID_REUSED": _LINE_CODES["MESSAGE_ID_REUSED"],
    "REQUIRED": _LINE_CODES["REQUIRED"],
}


_codes = described_enum


RegisterLicenseErrorCode = _codes(
    "RegisterLicenseErrorCode",
    "Why a licence registration was refused.",
    {**_LINE_CODES, "NUMBER_ALREADY_REGISTERED": "The number is taken by other content."},
)
AmendLicenseErrorCode = _codes(
    "AmendLicenseErrorCode",
    "Why a licence amendment was refused.",
    {
        **_LINE_CODES,
        **_EXISTING_CODES,
        "NOTHING_TO_AMEND": "The amendment changes nothing.",
        "UNIT_CHANGE_WITH_ACCOUNTING": "A line with accounted quantity cannot change unit.",
    },
)
LicenseStatusErrorCode = _codes(
    "LicenseStatusErrorCode",
    "Why a suspension, resumption or termination was refused.",
    _EXISTING_CODES,
)

ERROR_CODE_DESCRIPTIONS = {**_LINE_CODES, **_EXISTING_CODES}


@strawberry.type(description="A refused part of a licence registration.")
class RegisterLicenseError(UserError):
    code: RegisterLicenseErrorCode = strawberry.field(description="Stable error code.")  # type: ignore[valid-type]


@strawberry.type(description="A refused part of a licence amendment.")
class AmendLicenseError(UserError):
    code: AmendLicenseErrorCode = strawberry.field(description="Stable error code.")  # type: ignore[valid-type]


@strawberry.type(description="A refused suspension, resumption or termination.")
class LicenseStatusError(UserError):
    code: LicenseStatusErrorCode = strawberry.field(description="Stable error code.")  # type: ignore[valid-type]


@strawberry.type(description="Result of registerLicense.")
class RegisterLicensePayload:
    license: License | None = strawberry.field(description="The licence; null when refused.")
    user_errors: list[RegisterLicenseError] = strawberry.field(description="Why it was refused.")
    replayed: bool = strawberry.field(
        description="True when this message id was seen before: nothing changed now."
    )


@strawberry.type(description="Result of amendLicense.")
class AmendLicensePayload:
    license: License | None = strawberry.field(description="The licence after the change.")
    user_errors: list[AmendLicenseError] = strawberry.field(description="Why it was refused.")
    replayed: bool = strawberry.field(description="True for a resend: nothing changed now.")


@strawberry.type(description="Result of suspendLicense, resumeLicense and terminateLicense.")
class LicenseStatusPayload:
    license: License | None = strawberry.field(description="The licence after the change.")
    user_errors: list[LicenseStatusError] = strawberry.field(description="Why it was refused.")
    replayed: bool = strawberry.field(description="True for a resend: nothing changed now.")
