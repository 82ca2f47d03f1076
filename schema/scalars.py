"""Custom scalars.  Each refuses a malformed value with a message that names the rule.

``Decimal`` travels as a string: a JSON number is refused because a client's JSON
library may already have turned it into a binary float (``0.1 + 0.2``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as PyDecimal
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain.codes import customs_office_code_error, hs_code_error, inn_error
from domain.numbers import parse_plain_decimal


class ScalarInputError(ValueError):
    """A scalar value that does not parse; shown to clients with code INVALID_SCALAR."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": "INVALID_SCALAR"}


def _parse_decimal(value: Any) -> PyDecimal:
    if not isinstance(value, str):
        raise ScalarInputError(
            f'Decimal must be sent as a string such as "12.5", got the JSON '
            f"{type(value).__name__} {value!r}: numbers are refused because they may have "
            "lost precision as binary floats"
        )
    try:
        return parse_plain_decimal(value)
    except ValueError as exc:
        raise ScalarInputError(str(exc)) from None


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


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ScalarInputError(f"DateTime must be an ISO 8601 string, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ScalarInputError(f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise ScalarInputError(
            f"DateTime {value!r} needs a UTC offset, e.g. 2027-01-31T10:00:00+03:00"
        )
    return moment


DateTime = NewType("DateTime", datetime)
DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description="A moment in ISO 8601 with its UTC offset, e.g. 2027-01-31T10:00:00+03:00.",
    serialize=lambda value: value.isoformat(),
    parse_value=_parse_datetime,
)


def _code_scalar(name: str, description: str, check: Any) -> ScalarDefinition:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise ScalarInputError(f"{name} must be a string of digits, got {value!r}")
        error = check(value)
        if error is not None:
            raise ScalarInputError(error)
        return value

    return strawberry.scalar(name=name, description=description, serialize=str, parse_value=parse)


HsCode = NewType("HsCode", str)
CustomsOfficeCode = NewType("CustomsOfficeCode", str)
Inn = NewType("Inn", str)

SCALARS: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    DateTime: DateTimeScalar,
    HsCode: _code_scalar(
        "HsCode",
        "A code of the EAEU commodity nomenclature (HS code): 10 digits for declared goods; a "
        "licence line may name 4, 6, 8, 9 or 10 digits and then covers every code it starts.",
        hs_code_error,
    ),
    CustomsOfficeCode: _code_scalar(
        "CustomsOfficeCode", "An 8-digit code of a customs office.", customs_office_code_error
    ),
    Inn: _code_scalar(
        "Inn",
        "A Russian taxpayer number: 10 digits (organisation) or 12 (individual), check digits "
        "verified.",
        inn_error,
    ),
}
