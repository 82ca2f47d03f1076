"""Custom scalars.  Each refuses a malformed value with a message that names the rule.

``Decimal`` travels as a string: a JSON number is refused because a client's JSON
library may already have turned it into a binary float (``0.1 + 0.2``).

Every scalar refuses a value longer than :data:`domain.limits.MAX_SCALAR_LENGTH` before
parsing it, text that cannot be encoded (a lone surrogate: code ``INVALID_TEXT``), and
digits other than the ASCII ``0-9``.  ``Date`` (which replaces Strawberry's, same name
and format) and ``DateTime`` refuse days outside :data:`domain.limits.EARLIEST_DATE` ..
:data:`domain.limits.LATEST_DATE`.  A refusal never echoes more than a few characters of
the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal as PyDecimal
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain.codes import check_customs_office_code, check_hs_code, check_inn
from domain.limits import EARLIEST_DATE, LATEST_DATE, MAX_SCALAR_LENGTH, is_text, shown
from domain.numbers import MAX_DIGITS, MAX_INTEGER_DIGITS
from domain.problems import Problem, RuleViolation


class ScalarInputError(ValueError):
    """A scalar value that does not parse; shown to clients with code INVALID_SCALAR (or
    INVALID_TEXT for text that cannot be encoded)."""

    def __init__(self, message: str, code: str = "INVALID_SCALAR") -> None:
        super().__init__(message)
        self.extensions = {"code": code}

    @classmethod
    def of(cls, problems: list[Problem]) -> ScalarInputError:
        """The error stating the domain's ``problems`` with a value."""
        return cls(str(RuleViolation(problems)))


def _string(name: str, value: Any, expected: str) -> str:
    """``value`` as the string a scalar ``name`` parses: a string, within the bound, that
    can be encoded."""
    if not isinstance(value, str):
        raise ScalarInputError(f"{name} must be {expected}, got the JSON {type(value).__name__}")
    if len(value) > MAX_SCALAR_LENGTH:
        raise ScalarInputError(
            f"{name} has at most {MAX_SCALAR_LENGTH} characters, got {len(value):,}"
        )
    if not is_text(value):
        raise ScalarInputError(
            f"{name} {shown(value)} is not text (a lone surrogate)", "INVALID_TEXT"
        )
    return value


#: A decimal written plainly: no exponent, no sign ``+``, no leading zeros, no NaN;
#: ASCII digits only (``Decimal`` would read Arabic-Indic ones too).
_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def _parse_decimal(value: Any) -> PyDecimal:
    if not isinstance(value, str):
        raise ScalarInputError(
            f'Decimal must be sent as a string such as "12.5", got the JSON '
            f"{type(value).__name__} {shown(str(value))}: numbers are refused because they "
            "may have lost precision as binary floats"
        )
    value = _string("Decimal", value, 'a string such as "12.5"')
    if _PLAIN_DECIMAL.fullmatch(value) is None:
        raise ScalarInputError(
            f'{shown(value)} is not a plain decimal string such as "12.5" '
            "(digits 0-9, an optional '-' and an optional fractional part)"
        )
    number = PyDecimal(value)  # the pattern admits only what Decimal reads
    if len(number.as_tuple().digits) > MAX_DIGITS:
        raise ScalarInputError(f"{shown(value)} has more than {MAX_DIGITS} significant digits")
    if len(value.lstrip("-").split(".")[0]) > MAX_INTEGER_DIGITS:
        raise ScalarInputError(
            f"{shown(value)} has more than {MAX_INTEGER_DIGITS} digits before the point"
        )
    return number


def _serialize_decimal(value: PyDecimal) -> str:
    """The shortest exact form: no exponent, no trailing zeros ("2", "1500.125")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


Decimal = NewType("Decimal", PyDecimal)
DecimalScalar = strawberry.scalar(
    name="Decimal",
    description=(
        'An exact decimal number written as a string, e.g. "1250.500". JSON numbers are '
        "refused. Quantities have at most 6 decimals, money at most 2."
    ),
    serialize=_serialize_decimal,
    parse_value=_parse_decimal,
)


def _in_range(name: str, day: date, value: str) -> None:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ScalarInputError(
            f"{name} {shown(value)} is outside {EARLIEST_DATE.isoformat()} .. "
            f"{LATEST_DATE.isoformat()}"
        )


def _parse_datetime(value: Any) -> datetime:
    value = _string("DateTime", value, "an ISO 8601 string")
    try:
        if not value.isascii():
            raise ValueError
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ScalarInputError(f"{shown(value)} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise ScalarInputError(
            f"DateTime {shown(value)} needs a UTC offset, e.g. 2027-01-31T10:00:00+03:00"
        )
    _in_range("DateTime", moment.date(), value)  # then no offset can overflow it
    return moment


def _parse_date(value: Any) -> date:
    value = _string("Date", value, "an ISO 8601 date string such as 2027-01-31")
    try:
        if not value.isascii():
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise ScalarInputError(
            f"{shown(value)} is not an ISO 8601 date such as 2027-01-31"
        ) from None
    _in_range("Date", day, value)
    return day


#: Strawberry's ``Date`` (same name, description and format: the schema is unchanged),
#: with the bounds of :mod:`domain.limits` and a typed error.
DateScalar = strawberry.scalar(
    name="Date",
    description="Date (isoformat)",
    serialize=lambda value: value.isoformat(),
    parse_value=_parse_date,
)


DateTime = NewType("DateTime", datetime)
DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description="A moment in ISO 8601 with its UTC offset, e.g. 2027-01-31T10:00:00+03:00.",
    serialize=lambda value: value.isoformat(),
    parse_value=_parse_datetime,
)


def _code_scalar(
    name: str, description: str, check: Callable[[str], list[Problem]]
) -> ScalarDefinition:
    def parse(value: Any) -> str:
        text = _string(name, value, "a string of digits")
        if problems := check(text):
            raise ScalarInputError.of(problems)
        return text

    return strawberry.scalar(name=name, description=description, serialize=str, parse_value=parse)


HsCode = NewType("HsCode", str)
CustomsOfficeCode = NewType("CustomsOfficeCode", str)
Inn = NewType("Inn", str)

SCALARS: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    DateTime: DateTimeScalar,
    date: DateScalar,
    HsCode: _code_scalar(
        "HsCode",
        "A code of the EAEU commodity nomenclature (HS code): 10 digits for declared goods; a "
        "licence line may name 4, 6, 8, 9 or 10 digits and then covers every code it starts.",
        check_hs_code,
    ),
    CustomsOfficeCode: _code_scalar(
        "CustomsOfficeCode", "An 8-digit code of a customs office.", check_customs_office_code
    ),
    Inn: _code_scalar(
        "Inn",
        "A Russian taxpayer number: 10 digits (organisation) or 12 (individual), check digits "
        "verified.",
        check_inn,
    ),
}
