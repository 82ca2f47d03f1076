"""Units of measure by their OKEI codes, and exact conversions between them.

DESIGN ("Name and unit"): units match when the OKEI codes are equal or convertible by a
fixed factor (g/kg/t, l/m3, pieces/thousand pieces); quantities are converted exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.limits import shown
from domain.problems import FieldPath, Problem


@dataclass(frozen=True, slots=True)
class Unit:
    """An OKEI unit: its code, short Russian name and, for convertible units, the family
    it belongs to with its size in that family's base unit."""

    code: str
    name: str
    family: str | None = None
    factor: Decimal = Decimal(1)


UNITS: dict[str, Unit] = {
    u.code: u
    for u in (
        Unit("163", "г", "mass", Decimal("0.001")),
        Unit("166", "кг", "mass", Decimal("1")),
        Unit("168", "т", "mass", Decimal("1000")),
        Unit("111", "см3", "volume", Decimal("0.001")),
        Unit("112", "л", "volume", Decimal("1")),
        Unit("113", "м3", "volume", Decimal("1000")),
        Unit("796", "шт", "count", Decimal("1")),
        Unit("798", "тыс. шт", "count", Decimal("1000")),
        Unit("006", "м"),
        Unit("055", "м2"),
        Unit("715", "пар"),
        Unit("778", "упак"),
        Unit("839", "компл"),
        Unit("114", "тыс. м3"),
        Unit("162", "кар"),
        Unit("245", "кВт·ч"),
        Unit("625", "лист"),
        Unit("868", "бут"),
    )
}


def check_unit(code: str, field: FieldPath = ()) -> list[Problem]:
    """A unit is given by a known OKEI code (three ASCII digits: the table's keys; the
    collections' validators ask for three digits, so this check comes first)."""
    if code in UNITS:
        return []
    return [
        Problem(
            "UNKNOWN_UNIT",
            f"unknown unit {shown(code)}: expected an OKEI code such as 166 (kg) or 796 (pieces)",
            field,
        )
    ]


def convert_quantity(quantity: Decimal, from_code: str, to_code: str) -> Decimal | None:
    """``quantity`` in ``from_code`` expressed exactly in ``to_code``; None when the units
    are not the same and not of one family (DESIGN "Name and unit")."""
    if from_code == to_code:
        return quantity
    source, target = UNITS.get(from_code), UNITS.get(to_code)
    if source is None or target is None or source.family is None or source.family != target.family:
        return None
    return quantity * source.factor / target.factor
