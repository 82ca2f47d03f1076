"""Licence registry rules (Order 1907 p.2-3).

Licence data arrives as messages from EAIS or another agency (p.2, p.3): register,
amend, suspend, resume, terminate.  These functions validate a message and decide what
it does to a licence; storage and idempotency live outside the domain.

The messages (:class:`Registration`, :class:`Amendment`, :class:`StatusMessage`) are
hashed field by field for idempotency (``asdict``): their fields are never renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from domain.codes import check_country_code, check_currency_code, check_hs_code, check_inn
from domain.limits import (
    MAX_LICENSE_LINES,
    MAX_NAME_LENGTH,
    MAX_NUMBER_LENGTH,
    MAX_REASON_LENGTH,
    check_count,
    check_identifier,
    check_text,
)
from domain.numbers import check_positive_money, check_positive_quantity
from domain.problems import Problem, RuleViolation
from domain.units import check_unit

if TYPE_CHECKING:  # control builds on the licence's terms: no import at run time
    from domain.control import LineFacts

T = TypeVar("T")


class LicenseStatus(StrEnum):
    """Stored status; EXHAUSTED is derived from the figures (DESIGN "Exhaustion")."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"


class LicenseEvent(StrEnum):
    """Kinds of feed message kept in a licence's history (Order 1907 p.3)."""

    REGISTERED = "REGISTERED"
    AMENDED = "AMENDED"
    SUSPENDED = "SUSPENDED"
    RESUMED = "RESUMED"
    TERMINATED = "TERMINATED"
    EXHAUSTION_REPORTED = "EXHAUSTION_REPORTED"
    """The feed reports the licence's quantity exhausted (Order 1907 p.9)."""


class ControlMode(StrEnum):
    """ELECTRONIC: controlled by this Technology.  LEGACY: put on control before the
    Technology came into force; stored, but out of its scope (Order 1907 p.2)."""

    ELECTRONIC = "ELECTRONIC"
    LEGACY = "LEGACY"


@dataclass(frozen=True, slots=True)
class LineData:
    """One goods line of a licence as a message states it."""

    line_no: int
    name: str
    hs_code: str
    unit: str
    quantity_limit: Decimal
    value_limit: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Party:
    """The holder (INN and name) or the foreign counterparty (name, country) of a licence."""

    name: str
    inn: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Registration:
    """A licence as the feed registers it (Order 1907 p.2)."""

    number: str
    type: str
    direction: str
    issuing_authority: str
    holder: Party
    valid_from: date
    valid_to: date
    lines: list[LineData]
    counterparty: Party | None = None
    control_mode: ControlMode = ControlMode.ELECTRONIC


@dataclass(frozen=True)
class Amendment:
    """Fields an amendment changes; None = unchanged (Order 1907 p.3).  Lines are matched
    by number: a known number is replaced (its figures kept), a new number is added."""

    number: str
    valid_from: date | None = None
    valid_to: date | None = None
    holder: Party | None = None
    counterparty: Party | None = None
    lines: list[LineData] = field(default_factory=list)


@dataclass(frozen=True)
class StatusMessage:
    """Suspension, resumption or termination of a licence (Order 1907 p.9)."""

    number: str
    reason: str
    decision_date: date | None = None


def check_line(line: LineData) -> list[Problem]:
    """A licence line: number >= 1, a name, an HS code, a known OKEI unit, a quantity
    limit > 0 and, when present, a value limit > 0 with its currency (Order 1907 p.8:
    release within the licence's quantity); the name within its bound (domain.limits)."""
    problems: list[Problem] = []
    if line.line_no < 1:
        problems.append(Problem("INVALID_LINE_NUMBER", "line numbers start at 1", ("lineNo",)))
    if not line.name.strip():
        problems.append(Problem("REQUIRED", "the goods name is required", ("name",)))
    problems += check_text(line.name, MAX_NAME_LENGTH, ("name",))
    problems += check_hs_code(line.hs_code, ("hsCode",))
    problems += check_unit(line.unit, ("unit",))
    problems += check_positive_quantity(line.quantity_limit, ("quantityLimit",))
    if line.value_limit is not None:
        problems += check_positive_money(line.value_limit, ("valueLimit",))
        if line.currency is None:
            problems.append(Problem("REQUIRED", "a value limit needs its currency", ("currency",)))
    if line.currency is not None:
        problems += check_currency_code(line.currency, ("currency",))
    return problems


def check_lines(lines: Sequence[LineData], *, require_some: bool = True) -> list[Problem]:
    """At most ``MAX_LICENSE_LINES`` lines (counted before any line is read), every line
    valid, line numbers unique within the licence."""
    if too_many := check_count(lines, MAX_LICENSE_LINES, ("lines",), "licence lines"):
        return too_many
    problems: list[Problem] = []
    if require_some and not lines:
        problems.append(Problem("REQUIRED", "a licence has at least one goods line", ("lines",)))
    seen: set[int] = set()
    for index, line in enumerate(lines):
        problems += [p.under("lines", index) for p in check_line(line)]
        if line.line_no in seen:
            problems.append(
                Problem(
                    "DUPLICATE_LINE_NUMBER",
                    f"line number {line.line_no} appears twice",
                    ("lines", index, "lineNo"),
                )
            )
        seen.add(line.line_no)
    return problems


def check_validity(valid_from: date, valid_to: date) -> list[Problem]:
    """The validity period ends on or after the day it starts (Order 1907 p.6 compares
    the declaration date with it)."""
    if valid_to < valid_from:
        return [
            Problem(
                "INVALID_VALIDITY",
                f"validity ends ({valid_to}) before it starts ({valid_from})",
                ("validTo",),
            )
        ]
    return []


def check_holder(inn: str, name: str) -> list[Problem]:
    """The holder has a valid INN and a name (within its bound)."""
    problems = check_inn(inn, ("holder", "inn"))
    if not name.strip():
        problems.append(Problem("REQUIRED", "the holder's name is required", ("holder", "name")))
    problems += check_text(name, MAX_NAME_LENGTH, ("holder", "name"))
    return problems


def check_country(country: str | None) -> list[Problem]:
    """The counterparty's country, when given, is an ISO 3166 alpha-2 code."""
    if country is None:
        return []
    return check_country_code(country, ("counterparty", "country"))


def check_counterparty(counterparty: Party | None) -> list[Problem]:
    """The counterparty, when given: its name within its bound, its country a code."""
    if counterparty is None:
        return []
    problems = check_text(counterparty.name, MAX_NAME_LENGTH, ("counterparty", "name"))
    return problems + check_country(counterparty.country)


def check_license_number(number: str) -> list[Problem]:
    """A licence number is given, within its bound, digits 0-9 only (domain.limits)."""
    if not number.strip():
        return [Problem("REQUIRED", "the licence number is required", ("number",))]
    return check_identifier(number, MAX_NUMBER_LENGTH, ("number",))


def check_registration(reg: Registration) -> list[Problem]:
    """Order 1907 p.2: every rule a registration must pass before anything is written."""
    problems = check_license_number(reg.number)
    if not reg.issuing_authority.strip():
        problems.append(
            Problem("REQUIRED", "the issuing authority is required", ("issuingAuthority",))
        )
    problems += check_text(reg.issuing_authority, MAX_NAME_LENGTH, ("issuingAuthority",))
    problems += check_holder(reg.holder.inn or "", reg.holder.name)
    problems += check_counterparty(reg.counterparty)
    problems += check_validity(reg.valid_from, reg.valid_to)
    problems += check_lines(reg.lines)
    return problems


def check_amendment(amendment: Amendment) -> list[Problem]:
    """Order 1907 p.3: an amendment changes something, and what it states is valid."""
    problems = check_identifier(amendment.number, MAX_NUMBER_LENGTH, ("number",))
    if (
        amendment.valid_from is None
        and amendment.valid_to is None
        and amendment.holder is None
        and amendment.counterparty is None
        and not amendment.lines
    ):
        problems.append(Problem("NOTHING_TO_AMEND", "the amendment changes nothing"))
    if amendment.holder is not None:
        problems += check_holder(amendment.holder.inn or "", amendment.holder.name)
    problems += check_counterparty(amendment.counterparty)
    problems += check_lines(amendment.lines, require_some=False)
    return problems


def check_status_message(message: StatusMessage) -> list[Problem]:
    """Order 1907 p.9: a suspension, resumption or termination states its grounds (within
    their bound)."""
    problems = check_identifier(message.number, MAX_NUMBER_LENGTH, ("number",))
    if not message.reason.strip():
        problems.append(Problem("REQUIRED", "a reason is required", ("reason",)))
    return problems + check_text(message.reason, MAX_REASON_LENGTH, ("reason",))


def check_registered_again(number: str, same_content: bool) -> list[Problem]:
    """A number already registered takes only a resend of the same registration (which
    changes nothing); changes come as an amendment (Order 1907 p.3)."""
    if same_content:
        return []
    return [
        Problem(
            "NUMBER_ALREADY_REGISTERED",
            f"licence {number} is already registered with other content; "
            "send changes as an amendment",
            ("number",),
        )
    ]


def registered(number: str, license: T | None) -> T:
    """The licence a message names; refused when no licence has that number."""
    if license is None:
        raise RuleViolation(
            [Problem("LICENSE_NOT_FOUND", f"no licence {number} is registered", ("number",))]
        )
    return license


def amended_validity(amendment: Amendment, valid_from: date, valid_to: date) -> tuple[date, date]:
    """The validity period after ``amendment`` of one from ``valid_from`` to
    ``valid_to``; refused when it would end before it starts."""
    after = (amendment.valid_from or valid_from, amendment.valid_to or valid_to)
    if problems := check_validity(*after):
        raise RuleViolation(problems)
    return after


@dataclass(frozen=True, slots=True)
class LimitChange:
    """How much a message moves a line's limits (a LIMIT_CHANGE of the ledger, which
    records limits too, so that every figure is a sum of entries)."""

    line_no: int
    quantity: Decimal
    value: Decimal | None = None

    @property
    def moves(self) -> bool:
        return self.quantity != 0 or bool(self.value)


def limit_change(line: LineData, previous: LineFacts | None) -> LimitChange:
    """The change bringing a line's limits from ``previous`` (zero for a new line) to
    ``line``'s."""
    old_quantity = previous.quantity_limit if previous else Decimal(0)
    old_value = previous.value_limit if previous else None
    value = None
    if line.value_limit is not None:
        value = line.value_limit - (old_value or Decimal(0))
    return LimitChange(line.line_no, line.quantity_limit - old_quantity, value)


def amended_limits(
    lines: Sequence[LineData], current: Mapping[int, LineFacts]
) -> list[LimitChange]:
    """Order 1907 p.3: the limit changes of the amended ``lines`` (a known line number
    replaces that line, a new one adds a line); the amendment is authoritative, so a limit
    may go below what is accounted (DESIGN "Authoritative amendments").  Refused when a
    line with accounting would change its unit."""
    changes = []
    for index, line in enumerate(lines):
        previous = current.get(line.line_no)
        if previous and previous.unit != line.unit and previous.quantity_accounted != 0:
            raise RuleViolation(
                [
                    Problem(
                        "UNIT_CHANGE_WITH_ACCOUNTING",
                        f"line {line.line_no} has {previous.quantity_accounted} accounted in "
                        f"unit {previous.unit}; its unit cannot change",
                        ("lines", index, "unit"),
                    )
                ]
            )
        if (change := limit_change(line, previous)).moves:
            changes.append(change)
    return changes


_TRANSITIONS: dict[LicenseEvent, tuple[set[LicenseStatus], LicenseStatus | None]] = {
    LicenseEvent.AMENDED: ({LicenseStatus.ACTIVE, LicenseStatus.SUSPENDED}, None),
    LicenseEvent.SUSPENDED: ({LicenseStatus.ACTIVE}, LicenseStatus.SUSPENDED),
    LicenseEvent.RESUMED: ({LicenseStatus.SUSPENDED}, LicenseStatus.ACTIVE),
    LicenseEvent.TERMINATED: (
        {LicenseStatus.ACTIVE, LicenseStatus.SUSPENDED},
        LicenseStatus.TERMINATED,
    ),
    LicenseEvent.EXHAUSTION_REPORTED: ({LicenseStatus.ACTIVE, LicenseStatus.SUSPENDED}, None),
}


def status_after(current: LicenseStatus, event: LicenseEvent) -> LicenseStatus:
    """The status a feed message leads to; refused when it cannot apply (Order 1907 p.9:
    suspension and termination; a terminated licence takes no further message)."""
    allowed_from, target = _TRANSITIONS[event]
    if current not in allowed_from:
        raise RuleViolation(
            [
                Problem(
                    "INVALID_STATUS_TRANSITION",
                    f"a licence that is {current.value} does not take a {event.value} message",
                )
            ]
        )
    return target or current


def line_available(limit: Decimal, accounted: Decimal) -> Decimal:
    """What can still be written off a line; negative when an authoritative amendment
    lowered the limit below what is accounted (DESIGN "Authoritative amendments")."""
    return limit - accounted


def shown_available(available: Decimal) -> tuple[Decimal, Decimal]:
    """What a line shows of its ``available`` figure: what can still be written off,
    never below zero, and the excess accounted above a limit an authoritative amendment
    lowered (DESIGN "Authoritative amendments")."""
    return max(available, Decimal(0)), max(-available, Decimal(0))


def line_is_exhausted(
    available: Decimal, value_available: Decimal | None, value_limit: Decimal | None
) -> bool:
    """A line is exhausted when nothing of its quantity, or of its value where it has a
    value limit, is left (DESIGN "Exhaustion"; Order 1907 p.9)."""
    if available <= 0:
        return True
    return value_limit is not None and value_available is not None and value_available <= 0


def license_is_exhausted(lines_exhausted: list[bool]) -> bool:
    """A licence is exhausted when every line is (DESIGN "Exhaustion")."""
    return bool(lines_exhausted) and all(lines_exhausted)


def license_state(status: LicenseStatus, exhausted: bool) -> str:
    """The status shown and filtered on: ACTIVE becomes EXHAUSTED when every line is used
    up (DESIGN "Exhaustion"); SUSPENDED and TERMINATED stay as they are."""
    if status is LicenseStatus.ACTIVE and exhausted:
        return "EXHAUSTED"
    return status.value
