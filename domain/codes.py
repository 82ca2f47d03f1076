"""Identifier formats: HS codes, customs office codes, INNs, currency and country codes.

Each check returns the problems of one value (empty when it is well formed), with the
code clients switch on and ``field`` as the path of the offending input field.

Digits are the ASCII ``0-9`` only (issue 9): Python's ``str.isdigit`` and ``\\d`` also
accept fullwidth and Arabic-Indic digits, which would let one number exist twice.  Every
pattern matches the whole value (``fullmatch``: ``$`` would let a final line break in).
"""

from __future__ import annotations

import re

from domain.limits import shown
from domain.problems import FieldPath, Problem

#: DESIGN glossary: a declaration item names a 10-digit code; a licence line or a permit
#: table may name a code of 4, 6, 8, 9 or 10 digits, which is matched as a prefix.
HS_CODE_LENGTHS = (4, 6, 8, 9, 10)
DIGITS = re.compile(r"[0-9]+")
"""ASCII digits, the whole value (``fullmatch``)."""
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def is_digits(text: str, *lengths: int) -> bool:
    """Whether ``text`` is ASCII digits only, of one of ``lengths`` when given."""
    return (not lengths or len(text) in lengths) and DIGITS.fullmatch(text) is not None


def _unless(ok: bool, code: str, message: str, field: FieldPath) -> list[Problem]:
    return [] if ok else [Problem(code, message, field)]


def check_hs_code(code: str, field: FieldPath = ()) -> list[Problem]:
    """An HS code (EAEU CN FEA) has 4, 6, 8, 9 or 10 digits."""
    return _unless(
        is_digits(code, *HS_CODE_LENGTHS),
        "INVALID_HS_CODE",
        f"HS code must be 4, 6, 8, 9 or 10 digits 0-9, got {shown(code)}",
        field,
    )


def check_hs_code_prefix(prefix: str, field: FieldPath = ()) -> list[Problem]:
    """A search by the start of HS codes names 2 to 10 of their digits."""
    return _unless(
        is_digits(prefix, *range(2, 11)),
        "INVALID_HS_CODE_PREFIX",
        "hsCodePrefix must be 2 to 10 digits 0-9",
        field,
    )


def hs_code_covers(line_code: str, item_code: str) -> bool:
    """Order 1907 p.6: an item's code matches a licence line's when it starts with it."""
    return item_code.startswith(line_code)


def check_customs_office_code(code: str, field: FieldPath = ()) -> list[Problem]:
    """A customs office code has 8 digits."""
    return _unless(
        is_digits(code, 8),
        "INVALID_CUSTOMS_OFFICE_CODE",
        f"customs office code must be 8 digits 0-9, got {shown(code)}",
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
    if not is_digits(inn, 10, 12):
        return [Problem("INVALID_INN", f"INN must be 10 or 12 digits 0-9, got {shown(inn)}", field)]
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
        _CURRENCY.fullmatch(code) is not None,
        "INVALID_CURRENCY",
        f"currency must be 3 capital letters, got {shown(code)}",
        field,
    )


def check_country_code(code: str, field: FieldPath = ()) -> list[Problem]:
    """An ISO 3166-1 alpha-2 country code."""
    return _unless(
        _COUNTRY.fullmatch(code) is not None,
        "INVALID_COUNTRY",
        f"country must be 2 capital letters, got {shown(code)}",
        field,
    )
