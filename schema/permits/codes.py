"""Error codes of the permit mutations, each mutation with an enum of its own.

The form's codes come from :mod:`domain.permits.validation` (Permit rules p.1-p.9); the
others from :mod:`services.permits` and :mod:`services.customs_offices`.
"""

from __future__ import annotations

from schema.payloads import LIST_CODES, error_codes

BASE = {
    "REQUIRED": "A required value is empty.",
    "IDEMPOTENCY_KEY_REUSED": "The idempotency key was used before for other content.",
    "PERMIT_NOT_FOUND": "No permit with this number or ID.",
    "OPERATION_NOT_ALLOWED": "The permit's status does not allow this operation.",
}
OFFICE = {
    "CUSTOMS_OFFICE_NOT_FOUND": "A customs office code is not in the reference data.",
    "NOT_AN_ISSUING_CUSTOMS": "The issuing office is a regional administration or a post, "
    "not a customs (p.1).",
}
FORM = {
    **OFFICE,
    "INVALID_CUSTOMS_OFFICE_CODE": "A customs office code is not 8 digits.",
    "REGIONAL_ADMINISTRATION_NOT_ALLOWED": "A customs reporting to the FTS is named alone (p.1).",
    "INVALID_PERMIT_NUMBER": "The number is not CCCCCCCC/DDMMYY/51/SEQ (p.2).",
    "PERMIT_NUMBER_MISMATCH": "The number does not carry the office and issue date (p.2).",
    "INVALID_INN": "An INN is malformed or fails its check digit.",
    "TRANSFER_TO_SAME_HOLDER": "A permit is transferred to another person (p.3).",
    "TRANSFER_BEFORE_ISSUE": "The transfer decision precedes the permit (p.3).",
    "AMENDMENT_BEFORE_DOCUMENT": "A trade document's amendment precedes it (p.4).",
    "ROW_NUMBER_NOT_ALLOWED": "A table's only row has no number (p.5(а)).",
    "ROW_NUMBER_MISSING": "A table of several rows numbers each of them (p.5(а)).",
    "ROW_NUMBER_OUT_OF_SEQUENCE": "Rows are numbered 1..n in order (p.5(а)).",
    "INVALID_HS_CODE": "An HS code is not 4, 6, 8, 9 or 10 digits (p.5(в)).",
    "QUANTITY_NOT_POSITIVE": "A quantity is zero or negative (p.5(г)).",
    "TOO_MANY_DECIMALS": "A quantity has over 6 decimals or an amount over 2.",
    "UNKNOWN_UNIT": "A unit is not a known OKEI code (p.5(г)).",
    "COST_NOT_ALLOWED": "Tables 8 and 15.1 have no cost column (p.5(д)).",
    "VALUE_NOT_POSITIVE": "A cost is zero or negative (p.5(д)).",
    "INVALID_CURRENCY": "A currency is not an ISO 4217 code (p.5(д)).",
    "RATE_NOT_ALLOWED": "A cost in roubles has no exchange rate (p.5(д)).",
    "RATE_MISSING": "A foreign-currency cost needs the Central Bank's rate (p.5(д)).",
    "RATE_NOT_POSITIVE": "A rate is zero or negative (p.5(д)).",
    "RATE_DATE_NOT_ISSUE_DATE": "The rate is not the one on the issue date (p.5(д)).",
    "CUSTOMS_OFFICE_NOT_ALLOWED": "Tables 8 and 15.1 have no customs office column (p.5(е)).",
    "YIELD_ROW_NOT_FOUND": "A yield norm names a row that does not exist (p.6).",
    "YIELD_TABLE_NOT_ALLOWED": "A yield norm points at a table other than 5-8 (p.6).",
    "YIELD_UNIT_NOT_ALLOWED": "A percent norm has no unit (p.6).",
    "YIELD_RANGE_NOT_ALLOWED": "Only a processing product's norm may be a range (p.6).",
    "YIELD_RANGE_INVERTED": "A norm's minimum exceeds its maximum (p.6).",
    "YIELD_NORM_DUPLICATE": "Two norms join the same rows (p.6).",
    "YIELD_NORM_MISSING": "A row of table 5-8 has no yield norm (p.6).",
    "WASTE_PROCEDURE_CHOICE": "Fill exactly one of 6.1 and 6.2 (p.7).",
    "WASTE_INFORMATION_CONFLICT": "6.2 says information comes later, yet table 6 lists "
    "waste (p.7).",
    "IDENTIFICATION_MISSING": "No identification method (p.8).",
    "TERM_NOT_WHOLE_MONTHS": "A term is whole calendar months (p.9).",
    "TERM_NOT_POSITIVE": "A term is at least one month (p.9).",
    "TERM_NOT_FIXED": "The term is not fixed: no goods placed yet (p.9).",
    "TERM_START_BEFORE_ISSUE": "The term cannot start before the issue (p.9).",
    "TERM_TOO_LONG": "The term with extensions exceeds the cap (DESIGN, setting).",
    "TERM_END_MISMATCH": "An end date does not follow from the start and months (p.9).",
    "MARK_BEFORE_ISSUE": "A special mark precedes the permit (point 15).",
    "QUANTITY_BELOW_ACCOUNTED": "A table 3 row would fall below what placements accounted.",
}
#: The bounds of a form (:func:`domain.permits.validation.check_form_bounds`).
BOUNDS = {**LIST_CODES, "DOCUMENT_TOO_LARGE": "The permit's text as a whole is too large to store."}
#: What any form sent must pass, a draft's included (bounds, text, the stored shape:
#: :func:`domain.permits.validation.check_form_input`).
INPUT = {
    **BOUNDS,
    "UNKNOWN_UNIT": FORM["UNKNOWN_UNIT"],
    "ROW_NUMBER_OUT_OF_SEQUENCE": FORM["ROW_NUMBER_OUT_OF_SEQUENCE"],
}
DATE_IN_FUTURE = {"DATE_IN_FUTURE": "A decision or placement is dated after today."}
REVISION = {"REVISION_MISMATCH": "The permit changed since the revision you read."}


CreatePermitDraftErrorCode = error_codes(
    "CreatePermitDraftErrorCode",
    "a permit draft",
    {k: BASE[k] for k in ("REQUIRED", "IDEMPOTENCY_KEY_REUSED")},
    OFFICE,
    added=INPUT,
    QUANTITY_BELOW_ACCOUNTED=FORM["QUANTITY_BELOW_ACCOUNTED"],
)
UpdatePermitDraftErrorCode = error_codes(
    "UpdatePermitDraftErrorCode",
    "an edit of a permit draft",
    BASE,
    OFFICE,
    REVISION,
    added=INPUT,
    QUANTITY_BELOW_ACCOUNTED=FORM["QUANTITY_BELOW_ACCOUNTED"],
)
IssuePermitErrorCode = error_codes(
    "IssuePermitErrorCode", "an issue of a permit", BASE, FORM, added=BOUNDS
)
AmendPermitErrorCode = error_codes(
    "AmendPermitErrorCode",
    "an amendment of a permit",
    BASE,
    FORM,
    REVISION,
    ISSUING_OFFICE_FIXED="The issuing customs is part of the number and stays.",
    HOLDER_CHANGE_BY_TRANSFER="Another holder comes by transfer (point 1.1, p.3).",
    added=BOUNDS,
    TERM_FIXED="The term is fixed since the first placement; extend it (p.9).",
)
TransferPermitErrorCode = error_codes(
    "TransferPermitErrorCode",
    "a transfer of a permit (p.3)",
    BASE,
    DATE_IN_FUTURE,
    {k: FORM[k] for k in ("INVALID_INN", "TRANSFER_TO_SAME_HOLDER", "TRANSFER_BEFORE_ISSUE")},
)
_TERM = {
    k: FORM[k]
    for k in (
        "TERM_NOT_WHOLE_MONTHS",
        "TERM_NOT_POSITIVE",
        "TERM_NOT_FIXED",
        "TERM_START_BEFORE_ISSUE",
        "TERM_TOO_LONG",
        "TERM_END_MISMATCH",
    )
}
FixPermitTermErrorCode = error_codes(
    "FixPermitTermErrorCode",
    "fixing a permit's term (p.9)",
    BASE,
    DATE_IN_FUTURE,
    _TERM,
    TERM_ALREADY_FIXED="The term was fixed at the first placement.",
)
ExtendPermitTermErrorCode = error_codes(
    "ExtendPermitTermErrorCode",
    "an extension of a permit's term (p.9)",
    BASE,
    _TERM,
    TERM_ENDED="The term has already ended; it is not extended (DESIGN).",
)
_MARK = {
    **DATE_IN_FUTURE,
    "MARK_BEFORE_ISSUE": FORM["MARK_BEFORE_ISSUE"],
    "MARK_OUT_OF_ORDER": "A special mark precedes the previous one.",
}
RevokePermitErrorCode = error_codes("RevokePermitErrorCode", "a revocation", BASE, _MARK)
AnnulPermitErrorCode = error_codes("AnnulPermitErrorCode", "an annulment", BASE, _MARK)
RestorePermitErrorCode = error_codes("RestorePermitErrorCode", "a restoration", BASE, _MARK)
ExpirePermitsErrorCode = error_codes(
    "ExpirePermitsErrorCode",
    "expiring permits",
    BASE,
    TERM_NOT_FIXED=FORM["TERM_NOT_FIXED"],
)
SaveCustomsOfficeErrorCode = error_codes(
    "SaveCustomsOfficeErrorCode",
    "saving a customs office",
    {k: BASE[k] for k in ("REQUIRED", "IDEMPOTENCY_KEY_REUSED")},
    INVALID_CUSTOMS_OFFICE_CODE=FORM["INVALID_CUSTOMS_OFFICE_CODE"],
    INVALID_TIME_ZONE="The time zone is not an IANA name such as Europe/Moscow.",
    INVALID_PARENT="The parent is missing, of the wrong kind, or not allowed.",
    PARENT_OR_FTS="A customs is under a regional administration or reports to the FTS, "
    "exactly one of the two; a post does neither.",
    OFFICE_HAS_SUBORDINATES="Offices are under this one; its kind cannot change.",
)
