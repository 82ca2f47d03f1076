"""Payloads of the licence feed mutations, each with an error code enum of its own
(declared as every area's are: :mod:`schema.payloads`)."""

from __future__ import annotations

from schema.licenses.types import License
from schema.payloads import LIST_CODES, Subject, error_codes, mutation_payload

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

RegisterLicenseErrorCode = error_codes(
    "RegisterLicenseErrorCode",
    "a licence registration",
    _LINE_CODES,
    added=LIST_CODES,
    NUMBER_ALREADY_REGISTERED="The number is taken by other content.",
)
AmendLicenseErrorCode = error_codes(
    "AmendLicenseErrorCode",
    "a licence amendment",
    _LINE_CODES,
    _EXISTING_CODES,
    NOTHING_TO_AMEND="The amendment changes nothing.",
    added=LIST_CODES,
    UNIT_CHANGE_WITH_ACCOUNTING="A line with accounted quantity cannot change unit.",
)
LicenseStatusErrorCode = error_codes(
    "LicenseStatusErrorCode", "a suspension, resumption or termination", _EXISTING_CODES
)

_RESEND = "True for a resend: nothing changed now."
LICENSE = Subject("license", License, "The licence after the change.")

RegisterLicenseError, RegisterLicensePayload = mutation_payload(
    RegisterLicenseErrorCode,
    LICENSE.with_description("The licence; null when refused."),
    "registerLicense",
    refused="A refused part of a licence registration.",
    replayed="True when this message id was seen before: nothing changed now.",
)
AmendLicenseError, AmendLicensePayload = mutation_payload(
    AmendLicenseErrorCode,
    LICENSE,
    "amendLicense",
    refused="A refused part of a licence amendment.",
    replayed=_RESEND,
)
LicenseStatusError, LicenseStatusPayload = mutation_payload(
    LicenseStatusErrorCode,
    LICENSE,
    "suspendLicense, resumeLicense and terminateLicense",
    refused="A refused suspension, resumption or termination.",
    replayed=_RESEND,
)
