"""Licence registry rules (Order 1907 p.2-3).

Licence data arrives as messages from EAIS or another agency (p.2, p.3): register,
amend, suspend, resume, terminate.  These functions validate a message and decide what
it does to a licence; storage and idempotency live outside the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.codes import country_code_error, currency_code_error, hs_code_error, inn_error
from domain.numbers import check_positive_money, check_positive_quantity
from domain.problems import Problem
from domain.units import unit_error


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


def check_line(line: LineData) -> list[Problem]:
    """A licence line: number >= 1, a name, an HS code, a known OKEI unit, a quantity
    limit > 0 and, when present, a value limit > 0 with its currency (Order 1907 p.8:
    release within the licence's quantity)."""
    problems: list[Problem] = []
    if line.line_no < 1:
        problems.append(Problem("INVALID_LINE_NUMBER", "line numbers start at 1", ("lineNo",)))
    if not line.name.strip():
        problems.append(Problem("REQUIRED", "the goods name is required", ("name",)))
    if (error := hs_code_error(line.hs_code)) is not None:
        problems.append(Problem("INVALID_HS_CODE", error, ("hsCode",)))
    if (error := unit_error(line.unit)) is not None:
        problems.append(Problem("UNKNOWN_UNIT", error, ("unit",)))
    problems += check_positive_quantity(line.quantity_limit, ("quantityLimit",))
    if line.value_limit is not None:
        problems += check_positive_money(line.value_limit, ("valueLimit",))
        if line.currency is None:
            problems.append(Problem("REQUIRED", "a value limit needs its currency", ("currency",)))
    if line.currency is not None and (error := currency_code_error(line.currency)) is not None:
        problems.append(Problem("INVALID_CURRENCY", error, ("currency",)))
    return problems


def check_lines(lines: list[LineData], *, require_some: bool = True) -> list[Problem]:
    """Every line valid, line numbers unique within the licence."""
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
    """The holder has a valid INN and a name."""
    problems = []
    if (error := inn_error(inn)) is not None:
        problems.append(Problem("INVALID_INN", error, ("holder", "inn")))
    if not name.strip():
        problems.append(Problem("REQUIRED", "the holder's name is required", ("holder", "name")))
    return problems


def check_country(country: str | None) -> list[Problem]:
    """The counterparty's country, when given, is an ISO 3166 alpha-2 code."""
    if country is not None and (error := country_code_error(country)) is not None:
        return [Problem("INVALID_COUNTRY", error, ("counterparty", "country"))]
    return []


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


def status_after(current: LicenseStatus, event: LicenseEvent) -> LicenseStatus | Problem:
    """The status a feed message leads to, or why it cannot apply (Order 1907 p.9:
    suspension and termination; a terminated licence takes no further message)."""
    allowed_from, target = _TRANSITIONS[event]
    if current not in allowed_from:
        return Problem(
            "INVALID_STATUS_TRANSITION",
            f"a licence that is {current.value} does not take a {event.value} message",
        )
    return target or current


def line_available(limit: Decimal, accounted: Decimal) -> Decimal:
    """What can still be written off a line; negative when an authoritative amendment
    lowered the limit below what is accounted (DESIGN "Authoritative amendments")."""
    return limit - accounted


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


def is_accountable(control_mode: ControlMode) -> Problem | None:
    """Order 1907 p.2: licences put on control before the Technology are outside it; they
    are stored but refused for accounting with this reason."""
    if control_mode is ControlMode.LEGACY:
        return Problem(
            "LICENSE_LEGACY",
            "the licence was put on control before Order 1907 came into force (p.2) and is "
            "not controlled or accounted electronically",
        )
    return None
