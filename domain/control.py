"""Control of licensed goods: declaration items against licence lines (Order 1907 p.6).

``control_declaration`` composes one small check per rule and returns the discrepancies
found, each with a stable code, whether it affects prohibitions and restrictions, and
whether the declarant can fix it by correcting the declaration (Order 1907 p.9).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.codes import hs_code_covers
from domain.declarations import DeclarationKind, Direction, GoodsItem
from domain.licenses import ControlMode, LicenseStatus
from domain.units import UNITS, convert_quantity

LineKey = tuple[str, int]
"""A licence line: (licence number, line number)."""


@dataclass(frozen=True, slots=True)
class Amount:
    """A quantity in a line's unit and, where it counts against a value limit, a value."""

    quantity: Decimal
    value: Decimal | None = None

    def plus(self, other: Amount) -> Amount:
        if self.value is None and other.value is None:
            return Amount(self.quantity + other.quantity)
        zero = Decimal(0)
        return Amount(self.quantity + other.quantity, (self.value or zero) + (other.value or zero))


@dataclass(frozen=True, slots=True)
class LineFacts:
    """A licence line as control sees it.  ``quantity_available`` (and
    ``value_available``) is what this declaration may still use: see ``with_held``."""

    line_no: int
    name: str
    hs_code: str
    unit: str
    quantity_limit: Decimal
    quantity_accounted: Decimal
    quantity_available: Decimal
    value_limit: Decimal | None = None
    value_available: Decimal | None = None
    currency: str | None = None

    def with_held(self, held: Amount) -> LineFacts:
        """The line as seen by a declaration that already holds ``held`` on it: its own
        write-offs when controlled again after a correction (DESIGN "Corrections"), or the
        temporary declarations' totals for a full declaration (Order 1907 p.12)."""
        value = self.value_available
        if value is not None and held.value is not None:
            value += held.value
        return replace(
            self, quantity_available=self.quantity_available + held.quantity, value_available=value
        )


@dataclass(frozen=True, slots=True)
class LicenseFacts:
    """A licence as control sees it (Order 1907 p.3: data received from EAIS)."""

    number: str
    direction: Direction
    status: LicenseStatus
    control_mode: ControlMode
    valid_from: date
    valid_to: date
    holder_inn: str
    lines: Sequence[LineFacts]
    exhausted: bool = False
    """An exhaustion message was received from the feed (Order 1907 p.9)."""
    issued_on: date | None = None
    permit_status: str | None = None
    """For a processing permit's table 3 (DESIGN Part B, "A permit is also used"): the
    permit's status; None for a licence."""
    term_ended_on: date | None = None
    """For a permit: the end of its term when it has passed (Permit rules p.9)."""

    def line(self, line_no: int) -> LineFacts | None:
        return next((line for line in self.lines if line.line_no == line_no), None)


@dataclass(frozen=True, slots=True)
class ItemFacts(GoodsItem):
    """A declaration goods item as control sees it: an item citing a permit cites its
    table 3 as a licence (DESIGN Part B)."""

    license_issued_on: date | None = None

    @property
    def line_key(self) -> LineKey:
        return (self.license_number, self.line_no)


@dataclass(frozen=True, slots=True)
class DeclarationFacts:
    """A declaration as control sees it; ``represented_inn`` is the person a customs
    representative acts for (DESIGN "Holder")."""

    number: str
    kind: DeclarationKind
    direction: Direction
    procedure: str
    declared_on: date
    declarant_inn: str
    items: Sequence[ItemFacts]
    represented_inn: str | None = None
    first_procedure: bool = True
    """Declared under the goods' first customs procedure other than transit (p.7)."""


@dataclass(frozen=True, slots=True)
class EarlierAccounting:
    """What an earlier declaration wrote off, net of annulments, per licence line in the
    line's unit (DESIGN "Earlier accounting (p.7)")."""

    declaration_number: str
    annulled: bool
    quantities: Mapping[LineKey, Decimal]


class DiscrepancyCode(StrEnum):
    """Stable codes of control findings (Order 1907 p.2, p.6-9; DESIGN)."""

    LICENCE_UNKNOWN = "LICENCE_UNKNOWN"
    LICENCE_LEGACY = "LICENCE_LEGACY"
    LICENCE_SUSPENDED = "LICENCE_SUSPENDED"
    LICENCE_TERMINATED = "LICENCE_TERMINATED"
    LICENCE_EXHAUSTED = "LICENCE_EXHAUSTED"
    DIRECTION_MISMATCH = "DIRECTION_MISMATCH"
    OUTSIDE_VALIDITY = "OUTSIDE_VALIDITY"
    HOLDER_MISMATCH = "HOLDER_MISMATCH"
    LICENCE_DATE_MISMATCH = "LICENCE_DATE_MISMATCH"
    LINE_UNKNOWN = "LINE_UNKNOWN"
    HS_CODE_MISMATCH = "HS_CODE_MISMATCH"
    NAME_MISMATCH = "NAME_MISMATCH"
    UNIT_MISMATCH = "UNIT_MISMATCH"
    VALUE_NOT_COMPARABLE = "VALUE_NOT_COMPARABLE"
    QUANTITY_EXCEEDS_AVAILABLE = "QUANTITY_EXCEEDS_AVAILABLE"
    VALUE_EXCEEDS_AVAILABLE = "VALUE_EXCEEDS_AVAILABLE"
    EARLIER_ACCOUNTING_INVALID = "EARLIER_ACCOUNTING_INVALID"
    PERMIT_NOT_IN_FORCE = "PERMIT_NOT_IN_FORCE"
    PERMIT_TERM_ENDED = "PERMIT_TERM_ENDED"


_C = DiscrepancyCode
#: Codes the declarant cannot fix by correcting the item: they come from the licence's
#: state and are refusal grounds at once (Order 1907 p.9), or outside the Technology (p.2).
NOT_FIXABLE = frozenset(
    {
        _C.LICENCE_LEGACY,
        _C.LICENCE_SUSPENDED,
        _C.LICENCE_TERMINATED,
        _C.LICENCE_EXHAUSTED,
        _C.QUANTITY_EXCEEDS_AVAILABLE,
        _C.VALUE_EXCEEDS_AVAILABLE,
        _C.PERMIT_NOT_IN_FORCE,
        _C.PERMIT_TERM_ENDED,
    }
)
#: A wrong licence date next to the right number is a formal slip (DESIGN).
NOT_AFFECTING_RESTRICTIONS = frozenset({_C.LICENCE_DATE_MISMATCH})


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One finding of control for one item (Order 1907 p.6)."""

    code: DiscrepancyCode
    item_no: int
    message: str
    affects_restrictions: bool
    fixable: bool
    license_number: str | None = None
    line_no: int | None = None


def _found(code: DiscrepancyCode, item: ItemFacts, message: str) -> Discrepancy:
    return Discrepancy(
        code,
        item.item_no,
        message,
        affects_restrictions=code not in NOT_AFFECTING_RESTRICTIONS,
        fixable=code not in NOT_FIXABLE,
        license_number=item.license_number,
        line_no=item.line_no,
    )


def _qty(quantity: Decimal, unit: str) -> str:
    return f"{quantity} {UNITS[unit].name if unit in UNITS else unit}"


# --- names ------------------------------------------------------------------------------

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def normalise_name(text: str) -> str:
    """DESIGN "Name and unit": lower case, ё as е, quotes («»"'„“ and the like) and other
    punctuation as a space, runs of spaces as one."""
    text = _PUNCTUATION.sub(" ", text.casefold().replace("ё", "е"))
    return _SPACES.sub(" ", text).strip()


def name_matches(line_name: str, item_name: str) -> bool:
    """Order 1907 p.6, p.8; DESIGN: the item's description contains the line's name,
    both normalised, as whole words."""
    line = normalise_name(line_name)
    return bool(line) and f" {line} " in f" {normalise_name(item_name)} "


# --- one check per rule -----------------------------------------------------------------


def check_license_known(item: ItemFacts, license: LicenseFacts | None) -> list[Discrepancy]:
    """Order 1907 p.6: the licence's data has been received (p.3)."""
    if license is None:
        return [
            _found(
                _C.LICENCE_UNKNOWN,
                item,
                f"no data received for licence {item.license_number}",
            )
        ]
    return []


def check_control_mode(item: ItemFacts, license: LicenseFacts) -> list[Discrepancy]:
    """Order 1907 p.2: licences put on control before the Technology are outside it."""
    if license.control_mode is ControlMode.LEGACY:
        return [
            _found(
                _C.LICENCE_LEGACY,
                item,
                f"licence {license.number} was put on control before Order 1907 (p.2) and "
                "is not controlled electronically",
            )
        ]
    return []


def check_license_status(item: ItemFacts, license: LicenseFacts) -> list[Discrepancy]:
    """Order 1907 p.9: suspension, termination or an exhaustion message received."""
    found = []
    if license.status is LicenseStatus.SUSPENDED:
        found.append(_found(_C.LICENCE_SUSPENDED, item, f"licence {license.number} is suspended"))
    if license.status is LicenseStatus.TERMINATED:
        found.append(_found(_C.LICENCE_TERMINATED, item, f"licence {license.number} is terminated"))
    if license.exhausted:
        found.append(
            _found(
                _C.LICENCE_EXHAUSTED,
                item,
                f"an exhaustion message was received for licence {license.number}",
            )
        )
    return found


def check_permit_state(item: ItemFacts, license: LicenseFacts) -> list[Discrepancy]:
    """DESIGN Part B, "A permit is also used": goods are placed under processing only on
    a permit in force, and not after its term (Permit rules p.9) has ended."""
    if license.permit_status is None:
        return []
    if license.term_ended_on is not None or license.permit_status == "EXPIRED":
        ended = f" on {license.term_ended_on}" if license.term_ended_on is not None else ""
        return [
            _found(
                _C.PERMIT_TERM_ENDED,
                item,
                f"the term of permit {license.number} ended{ended} (Permit rules p.9)",
            )
        ]
    if license.permit_status != "IN_FORCE":
        return [
            _found(
                _C.PERMIT_NOT_IN_FORCE,
                item,
                f"permit {license.number} is {license.permit_status}, not in force",
            )
        ]
    return []


def check_direction(
    item: ItemFacts, license: LicenseFacts, declaration: DeclarationFacts
) -> list[Discrepancy]:
    """Order 1907 p.6: the licence is for the declaration's direction (export/import)."""
    if license.direction != declaration.direction:
        return [
            _found(
                _C.DIRECTION_MISMATCH,
                item,
                f"licence {license.number} is for {license.direction.value}, the declaration "
                f"is {declaration.direction.value}",
            )
        ]
    return []


def check_validity(
    item: ItemFacts, license: LicenseFacts, declaration: DeclarationFacts
) -> list[Discrepancy]:
    """Order 1907 p.6: the declaration date falls within the licence's validity."""
    if not license.valid_from <= declaration.declared_on <= license.valid_to:
        return [
            _found(
                _C.OUTSIDE_VALIDITY,
                item,
                f"declared on {declaration.declared_on}, licence {license.number} is valid "
                f"from {license.valid_from} to {license.valid_to}",
            )
        ]
    return []


def check_holder(
    item: ItemFacts, license: LicenseFacts, declaration: DeclarationFacts
) -> list[Discrepancy]:
    """Order 1907 p.6; DESIGN "Holder": the holder's INN is the declarant's, or that of
    the person a customs representative acts for."""
    if license.holder_inn not in (declaration.declarant_inn, declaration.represented_inn):
        acting = f" acting for {declaration.represented_inn}" if declaration.represented_inn else ""
        return [
            _found(
                _C.HOLDER_MISMATCH,
                item,
                f"licence {license.number} is held by INN {license.holder_inn}, the declarant "
                f"is INN {declaration.declarant_inn}{acting}",
            )
        ]
    return []


def check_license_date(item: ItemFacts, license: LicenseFacts) -> list[Discrepancy]:
    """Order 1907 p.6: the licence date stated in the declaration, when given, is the
    licence's; a slip there does not affect restrictions (DESIGN)."""
    stated, actual = item.license_issued_on, license.issued_on
    if stated is not None and actual is not None and stated != actual:
        return [
            _found(
                _C.LICENCE_DATE_MISMATCH,
                item,
                f"licence {license.number} is dated {actual}, the item states {stated}",
            )
        ]
    return []


def check_line_known(item: ItemFacts, license: LicenseFacts) -> list[Discrepancy]:
    """Order 1907 p.6: the cited line exists in the licence."""
    if license.line(item.line_no) is None:
        return [
            _found(_C.LINE_UNKNOWN, item, f"licence {license.number} has no line {item.line_no}")
        ]
    return []


def check_hs_code(item: ItemFacts, line: LineFacts) -> list[Discrepancy]:
    """Order 1907 p.6: the item's HS code starts with the line's code."""
    if not hs_code_covers(line.hs_code, item.hs_code):
        return [
            _found(
                _C.HS_CODE_MISMATCH,
                item,
                f"HS code {item.hs_code} is not under line {line.line_no}'s {line.hs_code}",
            )
        ]
    return []


def check_name(item: ItemFacts, line: LineFacts) -> list[Discrepancy]:
    """Order 1907 p.6, p.8 (release according to the licence's names); DESIGN."""
    if not name_matches(line.name, item.name):
        return [
            _found(
                _C.NAME_MISMATCH,
                item,
                f"the description {item.name!r} does not contain line {line.line_no}'s name "
                f"{line.name!r}",
            )
        ]
    return []


def check_unit(item: ItemFacts, line: LineFacts) -> list[Discrepancy]:
    """Order 1907 p.6; DESIGN "Name and unit": the same OKEI unit or one convertible by
    a fixed factor."""
    if convert_quantity(item.quantity, item.unit, line.unit) is None:
        return [
            _found(
                _C.UNIT_MISMATCH,
                item,
                f"unit {item.unit} cannot be converted to line {line.line_no}'s unit {line.unit}",
            )
        ]
    return []


def check_value_comparable(item: ItemFacts, line: LineFacts) -> list[Discrepancy]:
    """Order 1907 p.8: a line with a value limit needs the item's value in its currency."""
    if line.value_limit is None or (item.value is not None and item.currency == line.currency):
        return []
    stated = f"{item.value} {item.currency}" if item.value is not None else "no value"
    return [
        _found(
            _C.VALUE_NOT_COMPARABLE,
            item,
            f"line {line.line_no} has a value limit in {line.currency}; the item states {stated}",
        )
    ]


def item_amount_in_line_unit(item: ItemFacts, line: LineFacts) -> Amount | None:
    """The item's quantity converted exactly to the line's unit, and its value when the
    line has a value limit in the item's currency; None when the units do not convert
    (DESIGN "Name and unit")."""
    quantity = convert_quantity(item.quantity, item.unit, line.unit)
    if quantity is None:
        return None
    if item.unit != line.unit:
        quantity = quantity.normalize()
        if quantity == quantity.to_integral_value():
            quantity = quantity.quantize(Decimal(1))
    counts = line.value_limit is not None and item.currency == line.currency
    return Amount(quantity, item.value if counts else None)


def _totals(
    items: Sequence[ItemFacts], lines: Mapping[LineKey, LineFacts]
) -> dict[LineKey, tuple[Amount, list[ItemFacts]]]:
    totals: dict[LineKey, tuple[Amount, list[ItemFacts]]] = {}
    for item in items:
        line = lines.get(item.line_key)
        amount = item_amount_in_line_unit(item, line) if line is not None else None
        if amount is None:
            continue
        total, members = totals.get(item.line_key, (Amount(Decimal(0)), []))
        totals[item.line_key] = (total.plus(amount), [*members, item])
    return totals


def _numbers(items: list[ItemFacts]) -> str:
    return ", ".join(str(item.item_no) for item in items)


def check_quantity(
    items: Sequence[ItemFacts], lines: Mapping[LineKey, LineFacts]
) -> list[Discrepancy]:
    """Order 1907 p.8: the items' quantities on one line, added up in its unit, fit
    within what is available on it."""
    found = []
    for key, (total, members) in _totals(items, lines).items():
        line = lines[key]
        if total.quantity > line.quantity_available:
            message = (
                f"items {_numbers(members)} declare {_qty(total.quantity, line.unit)} on line "
                f"{line.line_no} of licence {key[0]}; "
                f"{_qty(line.quantity_available, line.unit)} available"
            )
            found += [_found(_C.QUANTITY_EXCEEDS_AVAILABLE, item, message) for item in members]
    return found


def check_value(
    items: Sequence[ItemFacts], lines: Mapping[LineKey, LineFacts]
) -> list[Discrepancy]:
    """Order 1907 p.8; DESIGN invariant: the items' values on one line fit within the
    value available on it, where the line has a value limit."""
    found = []
    for key, (total, members) in _totals(items, lines).items():
        line = lines[key]
        if line.value_available is None or total.value is None:
            continue
        if total.value > line.value_available:
            message = (
                f"items {_numbers(members)} declare {total.value} {line.currency} on line "
                f"{line.line_no} of licence {key[0]}; {line.value_available} available"
            )
            found += [_found(_C.VALUE_EXCEEDS_AVAILABLE, item, message) for item in members]
    return found


def check_earlier_accounting(
    items: Sequence[ItemFacts],
    lines: Mapping[LineKey, LineFacts],
    earlier_accountings: Mapping[str, EarlierAccounting],
) -> list[Discrepancy]:
    """DESIGN "Earlier accounting (p.7)": an item citing an earlier declaration is
    checked: it exists, was not annulled, and wrote off the same line for at least the
    quantity of all items citing it for that line."""
    found = []
    by_earlier: dict[str, list[ItemFacts]] = {}
    for item in items:
        if item.earlier_declaration is None:
            continue
        earlier = earlier_accountings.get(item.earlier_declaration)
        if earlier is None:
            message = f"declaration {item.earlier_declaration} has no accounting on record"
            found.append(_found(_C.EARLIER_ACCOUNTING_INVALID, item, message))
        elif earlier.annulled:
            message = f"the accounting of declaration {item.earlier_declaration} was annulled"
            found.append(_found(_C.EARLIER_ACCOUNTING_INVALID, item, message))
        else:
            by_earlier.setdefault(item.earlier_declaration, []).append(item)
    for number, cited in by_earlier.items():
        quantities = earlier_accountings[number].quantities
        for key, (total, members) in _totals(cited, lines).items():
            written = quantities.get(key, Decimal(0))
            if total.quantity > written:
                unit = lines[key].unit
                message = (
                    f"declaration {number} wrote off {_qty(written, unit)} on line {key[1]} of "
                    f"licence {key[0]}; items {_numbers(members)} cite "
                    f"{_qty(total.quantity, unit)}"
                )
                found += [_found(_C.EARLIER_ACCOUNTING_INVALID, item, message) for item in members]
    return found


def check_item(
    item: ItemFacts, declaration: DeclarationFacts, license: LicenseFacts | None
) -> list[Discrepancy]:
    """Order 1907 p.6 for one item against its licence and line (quantities are checked
    per line by ``check_quantity`` and ``check_value``)."""
    if license is None:
        return check_license_known(item, None)
    if found := check_control_mode(item, license):
        return found
    found = [
        *check_license_status(item, license),
        *check_permit_state(item, license),
        *check_direction(item, license, declaration),
        *check_validity(item, license, declaration),
        *check_holder(item, license, declaration),
        *check_license_date(item, license),
    ]
    line = license.line(item.line_no)
    if line is None:
        return found + check_line_known(item, license)
    return [
        *found,
        *check_hs_code(item, line),
        *check_name(item, line),
        *check_unit(item, line),
        *check_value_comparable(item, line),
    ]


def lines_of(licenses: Mapping[str, LicenseFacts]) -> dict[LineKey, LineFacts]:
    """Every line of electronically controlled licences, by (licence number, line no)."""
    return {
        (license.number, line.line_no): line
        for license in licenses.values()
        if license.control_mode is ControlMode.ELECTRONIC
        for line in license.lines
    }


def licenses_with_held(
    licenses: Mapping[str, LicenseFacts], held: Mapping[LineKey, Amount]
) -> dict[str, LicenseFacts]:
    """The licences with what a declaration already holds on each line made available
    to it again (``LineFacts.with_held``; Order 1907 p.12, DESIGN "Corrections")."""
    return {
        number: replace(
            license,
            lines=[
                line.with_held(held[(license.number, line.line_no)])
                if (license.number, line.line_no) in held
                else line
                for line in license.lines
            ],
        )
        for number, license in licenses.items()
    }


def control_declaration(
    declaration: DeclarationFacts,
    licenses_by_number: Mapping[str, LicenseFacts],
    earlier_accountings: Mapping[str, EarlierAccounting],
) -> list[Discrepancy]:
    """Order 1907 p.6 control of every item, p.8 quantities per line, and DESIGN
    "Earlier accounting (p.7)".  Items citing an earlier declaration are not counted
    against the line again (p.7); the rest add up per line.  Sorted by item number."""
    found: list[Discrepancy] = []
    for item in declaration.items:
        found += check_item(item, declaration, licenses_by_number.get(item.license_number))
    lines = lines_of(licenses_by_number)
    new = [item for item in declaration.items if item.earlier_declaration is None]
    found += check_quantity(new, lines)
    found += check_value(new, lines)
    found += check_earlier_accounting(declaration.items, lines, earlier_accountings)
    return sorted(found, key=lambda d: d.item_no)
