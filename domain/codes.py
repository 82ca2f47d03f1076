"""Identifier formats: HS codes, customs office codes, INNs, currency and country codes."""

from __future__ import annotations

import re

#: DESIGN glossary: a declaration item names a 10-digit code; a licence line or a permit
#: table may name a code of 4, 6, 8, 9 or 10 digits, which is matched as a prefix.
HS_CODE_LENGTHS = (4, 6, 8, 9, 10)
_DIGITS = re.compile(r"^\d+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def hs_code_error(code: str) -> str | None:
    """Why ``code`` is not an HS code (EAEU CN FEA) of 4, 6, 8, 9 or 10 digits, or None."""
    if not _DIGITS.match(code) or len(code) not in HS_CODE_LENGTHS:
        return f"HS code must be 4, 6, 8, 9 or 10 digits, got {code!r}"
    return None


def hs_code_covers(line_code: str, item_code: str) -> bool:
    """Order 1907 p.6: an item's code matches a licence line's when it starts with it."""
    return item_code.startswith(line_code)


def customs_office_code_error(code: str) -> str | None:
    """Why ``code`` is not an 8-digit customs office code, or None."""
    if not _DIGITS.match(code) or len(code) != 8:
        return f"customs office code must be 8 digits, got {code!r}"
    return None


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_error(inn: str) -> str | None:
    """Why ``inn`` is not a valid Russian taxpayer number, or None.

    10 digits for an organisation, 12 for an individual, with the check digits of the
    Federal Tax Service's algorithm (so a mistyped INN is caught at the door).
    """
    if not _DIGITS.match(inn) or len(inn) not in (10, 12):
        return f"INN must be 10 or 12 digits, got {inn!r}"
    if len(inn) == 10:
        ok = _inn_check_digit(inn[:9], _INN10_WEIGHTS) == int(inn[9])
    else:
        ok = _inn_check_digit(inn[:10], _INN12_WEIGHTS_11) == int(inn[10]) and _inn_check_digit(
            inn[:11], _INN12_WEIGHTS_12
        ) == int(inn[11])
    return None if ok else f"INN {inn} fails its check digit"


def currency_code_error(code: str) -> str | None:
    """Why ``code`` is not an ISO 4217 alphabetic currency code, or None."""
    return None if _CURRENCY.match(code) else f"currency must be 3 capital letters, got {code!r}"


def country_code_error(code: str) -> str | None:
    """Why ``code`` is not an ISO 3166-1 alpha-2 country code, or None."""
    return None if _COUNTRY.match(code) else f"country must be 2 capital letters, got {code!r}"
