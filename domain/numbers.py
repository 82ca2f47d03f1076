"""Exact quantities and money (DESIGN: "Quantities carry at most 6 decimals; money 2").

Values are :class:`decimal.Decimal` from the wire (decimal strings) to the database
(Decimal128); no binary float is ever involved.
"""

from __future__ import annotations

from decimal import Decimal

from domain.problems import FieldPath, Problem

QUANTITY_DECIMALS = 6
MONEY_DECIMALS = 2
#: Decimal128 holds 34 significant digits; a value from the wire keeps well inside it.
MAX_DIGITS = 28
#: Digits before the decimal point (issue 9): a quadrillion of any unit or rouble is
#: beyond any licence, declaration or permit, and a value within it stays exact through
#: every conversion of units (x 1000) and comparison the rules make.
MAX_INTEGER_DIGITS = 15


def decimals_of(value: Decimal) -> int:
    """Number of digits after the decimal point as written (``Decimal("1.50")`` -> 2)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def check_positive_quantity(value: Decimal, field: FieldPath) -> list[Problem]:
    """A quantity is > 0 with at most 6 decimals (DESIGN, Order 1907 p.8 limits)."""
    problems = []
    if value <= 0:
        problems.append(
            Problem(
                "QUANTITY_NOT_POSITIVE", f"quantity must be greater than zero, got {value}", field
            )
        )
    if decimals_of(value) > QUANTITY_DECIMALS:
        problems.append(
            Problem(
                "TOO_MANY_DECIMALS",
                f"a quantity has at most {QUANTITY_DECIMALS} decimals, got {value}",
                field,
            )
        )
    return problems


def check_positive_money(value: Decimal, field: FieldPath) -> list[Problem]:
    """A money amount is > 0 with at most 2 decimals (DESIGN)."""
    problems = []
    if value <= 0:
        problems.append(
            Problem("VALUE_NOT_POSITIVE", f"amount must be greater than zero, got {value}", field)
        )
    if decimals_of(value) > MONEY_DECIMALS:
        problems.append(
            Problem(
                "TOO_MANY_DECIMALS",
                f"an amount has at most {MONEY_DECIMALS} decimals, got {value}",
                field,
            )
        )
    return problems
