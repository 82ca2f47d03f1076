"""Custom scalars.  Each refuses a malformed value with a message that names the rule.

``Decimal`` travels as a string: a JSON number is refused because a client's JSON
library may already have turned it into a binary float (``0.1 + 0.2``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal as PyDecimal
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain.codes import check_customs_office_code, check_hs_code, check_inn
from domain.numbers import MAX_DIGITS
from domain.problems import Problem, RuleViolation


class ScalarInputError(ValueError):
    """A scalar value that does not parse; shown to clients with code INVALID_SCALAR."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": "INVALID_SCALAR"}

    @classmethod
    def of(cls, problems: list[Problem]) -> ScalarInputError:
        """The error stating the domain's ``problems`` with a value."""
        return cls(str(RuleViolation(problems)))


#: A decimal written plainly: no exponent, no sign ``+``, no leading zeros, no NaN.
_PLAIN_DECIMAL = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?$")


def _parse_decimal(value: Any) -> PyDecimal:
    if not isinstance(value, str):
        raise ScalarInputError(
            f'Decimal must be sent as a string such as "12.5", got the JSON '
            f"{type(value).__name__} {value!r}: numbers are refused because they may have "
            "lost precision as binary floats"
        )
    if not _PLAIN_DECIMAL.match(value):
        raise ScalarInputError(
            f'{value!r} is not a plain decimal string such as "12.5" '
            "(digits, an optional '-' and an optional fractional part)"
        )
    number = PyDecimal(value)  # the pattern admits only what Decimal reads
    if len(number.as_tuple().digits) > MAX_DIGITS:
        raise ScalarInputError(f"{value!r} has more than {MAX_DIGITS} significant digits")
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


def _code_scalar(
    name: str, description: str, check: Callable[[str], list[Problem]]
) -> ScalarDefinition:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise ScalarInputError(f"{name} must be a string of digits, got {value!r}")
        if problems := check(value):
            raise ScalarInputError.of(problems)
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
