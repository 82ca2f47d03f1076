"""Identifier formats: HS codes, customs office codes, INNs, currency and country codes.

Each check returns the problems of one value (empty when it is well formed), with the
code clients switch on and ``field`` as the path of the offending input field.
"""

from __future__ import annotations

import re

from domain.problems import FieldPath, Problem

#: DESIGN glossary: a declaration item names a 10-digit code; a licence line or a permit
#: table may name a code of 4, 6, 8, 9 or 10 digits, which is matched as a prefix.
HS_CODE_LENGTHS = (4, 6, 8, 9, 10)
_DIGITS = re.compile(r"^\d+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _unless(ok: bool, code: str, message: str, field: FieldPath) -> list[Problem]:
    return [] if ok else [Problem(code, message, field)]


def check_hs_code(code: str, field: FieldPath = ()) -> list[Problem]:
    """An HS code (EAEU CN FEA) has 4, 6, 8, 9 or 10 digits."""
    return _unless(
        bool(_DIGITS.match(code)) and len(code) in HS_CODE_LENGTHS,
        "INVALID_HS_CODE",
        f"HS code must be 4, 6, 8, 9 or 10 digits, got {code!r}",
        field,
    )


def check_hs_code_prefix(prefix: str, field: FieldPath = ()) -> list[Problem]:
    """A search by the start of HS codes names 2 to 10 of their digits."""
    return _unless(
        prefix.isdigit() and 2 <= len(prefix) <= 10,
        "INVALID_HS_CODE_PREFIX",
        "hsCodePrefix must be 2 to 10 digits",
        field,
    )


def hs_code_covers(line_code: str, item_code: str) -> bool:
    """Order 1907 p.6: an item's code matches a licence line's when it starts with it."""
    return item_code.startswith(line_code)


def check_customs_office_code(code: str, field: FieldPath = ()) -> list[Problem]:
    """A customs office code has 8 digits."""
    return _unless(
        bool(_DIGITS.match(code)) and len(code) == 8,
        "INVALID_CUSTOMS_OFFICE_CODE",
        f"customs office code must be 8 digits, got {code!r}",
        field,
    )


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def check_inn(inn: str, field: FieldPath = ()) -> list[Problem]:
    """A Russian taxpayer number: 10 digits for an organisation, 12 for an individual,
    with the check digits of the Federal Tax Service's algorithm (so a mistyped INN is
    caught at the door)."""
    if not _DIGITS.match(inn) or len(inn) not in (10, 12):
        return [Problem("INVALID_INN", f"INN must be 10 or 12 digits, got {inn!r}", field)]
    if len(inn) == 10:
        ok = _inn_check_digit(inn[:9], _INN10_WEIGHTS) == int(inn[9])
    else:
        ok = _inn_check_digit(inn[:10], _INN12_WEIGHTS_11) == int(inn[10]) and _inn_check_digit(
            inn[:11], _INN12_WEIGHTS_12
        ) == int(inn[11])
    return _unless(ok, "INVALID_INN", f"INN {inn} fails its check digit", field)


def check_currency_code(code: str, field: FieldPath = ()) -> list[Problem]:
    """An ISO 4217 alphabetic currency code."""
    return _unless(
        bool(_CURRENCY.match(code)),
        "INVALID_CURRENCY",
        f"currency must be 3 capital letters, got {code!r}",
        field,
    )


def check_country_code(code: str, field: FieldPath = ()) -> list[Problem]:
    """An ISO 3166-1 alpha-2 country code."""
    return _unless(
        bool(_COUNTRY.match(code)),
        "INVALID_COUNTRY",
        f"country must be 2 capital letters, got {code!r}",
        field,
    )
