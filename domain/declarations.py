"""Declarations: number, kind, customs procedure, release deadline and lifecycle.

Order 1907 p.4 (withdrawal, refusal), p.7 (procedures), p.9 (release deadline),
p.11-12 (temporary and full declarations); DESIGN for what the texts leave open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.codes import customs_office_code_error
from domain.problems import FieldPath, Problem, RuleViolation

TRANSIT_PROCEDURE = "80"
"""Customs transit: never accounted (Order 1907 p.7)."""
PROCESSING_PROCEDURE = "51"
"""Processing on the customs territory (DESIGN Part B; CU Commission Decision 378)."""
DEFAULT_RELEASE_HOURS = 4
"""DESIGN "Release deadline": registration time plus a configurable term."""

_NUMBER = re.compile(r"^(\d{8})/(\d{2})(\d{2})(\d{2})/(\d{7})$")
_PROCEDURE = re.compile(r"^\d{2}$")


class Direction(StrEnum):
    """Movement of the goods; a licence and a declaration each have one (Order 1907 p.6)."""

    EXPORT = "EXPORT"
    IMPORT = "IMPORT"


class DeclarationKind(StrEnum):
    """STANDARD, or temporary / full of periodic export declaring (Order 1907 p.11-12)."""

    STANDARD = "STANDARD"
    TEMPORARY = "TEMPORARY"
    FULL = "FULL"


class DeclarationStatus(StrEnum):
    """Lifecycle: REGISTERED -> CONTROLLED -> [ACCOUNTED] -> RELEASED, and from any
    non-final status REFUSED or WITHDRAWN (Order 1907 p.4, p.6-10; DESIGN)."""

    REGISTERED = "REGISTERED"
    CONTROLLED = "CONTROLLED"
    ACCOUNTED = "ACCOUNTED"
    RELEASED = "RELEASED"
    REFUSED = "REFUSED"
    WITHDRAWN = "WITHDRAWN"


FINAL_STATUSES = frozenset(
    {DeclarationStatus.RELEASED, DeclarationStatus.REFUSED, DeclarationStatus.WITHDRAWN}
)

_S = DeclarationStatus
_ALLOWED: dict[DeclarationStatus, frozenset[DeclarationStatus]] = {
    _S.REGISTERED: frozenset({_S.CONTROLLED, _S.REFUSED, _S.WITHDRAWN}),
    # CONTROLLED -> CONTROLLED and ACCOUNTED -> ACCOUNTED: control again after a
    # correction (DESIGN "Corrections").  CONTROLLED -> RELEASED when nothing needs
    # accounting (p.7: transit, goods accounted under an earlier declaration).
    _S.CONTROLLED: frozenset({_S.CONTROLLED, _S.ACCOUNTED, _S.RELEASED, _S.REFUSED, _S.WITHDRAWN}),
    _S.ACCOUNTED: frozenset({_S.ACCOUNTED, _S.RELEASED, _S.REFUSED, _S.WITHDRAWN}),
    _S.RELEASED: frozenset(),
    _S.REFUSED: frozenset(),
    _S.WITHDRAWN: frozenset(),
}


@dataclass(frozen=True, slots=True)
class DeclarationNumber:
    """``CCCCCCCC/DDMMYY/NNNNNNN``: customs office, registration date, serial."""

    customs_office: str
    registered_on: date
    serial: int

    def __str__(self) -> str:
        return format_declaration_number(self.customs_office, self.registered_on, self.serial)


def format_declaration_number(customs_office: str, registered_on: date, serial: int) -> str:
    """The declaration number ``CCCCCCCC/DDMMYY/NNNNNNN`` (DESIGN Part A).  Raises
    ``RuleViolation`` for a bad office code or a serial outside 1..9999999."""
    problems = _number_parts_problems(customs_office, serial)
    if problems:
        raise RuleViolation(problems)
    return f"{customs_office}/{registered_on:%d%m%y}/{serial:07d}"


def parse_declaration_number(text: str, field: FieldPath = ()) -> DeclarationNumber:
    """Parse ``CCCCCCCC/DDMMYY/NNNNNNN`` (DESIGN Part A); the two-digit year is 20YY.
    Raises ``RuleViolation`` with the problems (under ``field``) when it is not one."""
    match = _NUMBER.match(text)
    if match is None:
        raise RuleViolation(
            [
                Problem(
                    "INVALID_DECLARATION_NUMBER",
                    f"a declaration number is CCCCCCCC/DDMMYY/NNNNNNN, got {text!r}",
                    field,
                )
            ]
        )
    office, day, month, year, serial = match.groups()
    problems = _number_parts_problems(office, int(serial), field)
    registered_on = None
    try:
        registered_on = date(2000 + int(year), int(month), int(day))
    except ValueError:
        problems.append(
            Problem(
                "INVALID_DECLARATION_DATE",
                f"{day}{month}{year} in {text!r} is not a calendar date (DDMMYY)",
                field,
            )
        )
    if problems or registered_on is None:
        raise RuleViolation(problems)
    return DeclarationNumber(office, registered_on, int(serial))


def _number_parts_problems(office: str, serial: int, field: FieldPath = ()) -> list[Problem]:
    problems = []
    if (error := customs_office_code_error(office)) is not None:
        problems.append(Problem("INVALID_CUSTOMS_OFFICE_CODE", error, field))
    if not 1 <= serial <= 9_999_999:
        problems.append(
            Problem(
                "INVALID_DECLARATION_SERIAL",
                f"the serial is 1 to 9999999, got {serial}",
                field,
            )
        )
    return problems


def procedure_code_error(code: str) -> str | None:
    """Why ``code`` is not a two-digit customs procedure code (e.g. 10, 40, 51, 80)."""
    return None if _PROCEDURE.match(code) else f"procedure code is 2 digits, got {code!r}"


def check_kind(
    kind: DeclarationKind, direction: Direction, temporary_numbers: list[str]
) -> list[Problem]:
    """Order 1907 p.11-12: temporary periodic declaring is for exported goods; a full
    declaration references the temporary declarations it completes, others none."""
    problems = []
    if kind is not DeclarationKind.STANDARD and direction is not Direction.EXPORT:
        problems.append(
            Problem(
                "PERIODIC_DECLARING_EXPORT_ONLY",
                f"a {kind.value.lower()} declaration is for exported goods (p.11)",
                ("kind",),
            )
        )
    if kind is DeclarationKind.FULL and not temporary_numbers:
        problems.append(
            Problem(
                "TEMPORARY_DECLARATIONS_REQUIRED",
                "a full declaration references the temporary declarations it completes (p.12)",
                ("temporaryDeclarations",),
            )
        )
    if kind is not DeclarationKind.FULL and temporary_numbers:
        problems.append(
            Problem(
                "TEMPORARY_DECLARATIONS_NOT_ALLOWED",
                "only a full declaration references temporary declarations (p.12)",
                ("temporaryDeclarations",),
            )
        )
    return problems


def release_deadline(registered_at: datetime, hours: int = DEFAULT_RELEASE_HOURS) -> datetime:
    """DESIGN "Release deadline": registration time plus ``hours`` (Order 1907 p.9 checks
    refusal grounds no later than it).  ``registered_at`` must carry its time zone."""
    if registered_at.tzinfo is None:
        raise ValueError("registered_at must be timezone-aware")
    if hours <= 0:
        raise ValueError(f"the release term is a positive number of hours, got {hours}")
    return registered_at + timedelta(hours=hours)


def check_deadline_extension(status: DeclarationStatus, hours: int, reason: str) -> list[Problem]:
    """DESIGN "Release deadline": an officer extends it by whole hours with a reason,
    while the declaration is still open."""
    problems = []
    if status in FINAL_STATUSES:
        problems.append(
            Problem(
                "DECLARATION_CLOSED",
                f"the declaration is {status.value}; its release deadline no longer runs",
            )
        )
    if hours <= 0:
        problems.append(
            Problem(
                "INVALID_EXTENSION",
                f"an extension is a positive number of hours, got {hours}",
                ("hours",),
            )
        )
    if not reason.strip():
        problems.append(Problem("REQUIRED", "an extension needs a reason", ("reason",)))
    return problems


def extend_release_deadline(deadline: datetime, hours: int) -> datetime:
    """The deadline after an extension by ``hours`` (DESIGN "Release deadline")."""
    return deadline + timedelta(hours=hours)


def deadline_passed(deadline: datetime, now: datetime) -> bool:
    """Order 1907 p.9: the release term has run out at the deadline itself."""
    return now >= deadline


def check_transition(current: DeclarationStatus, target: DeclarationStatus) -> list[Problem]:
    """The declaration lifecycle (Order 1907 p.4, p.7-10; DESIGN "Withdrawal" only before
    release).  Final statuses (RELEASED, REFUSED, WITHDRAWN) never change."""
    if target in _ALLOWED[current]:
        return []
    if current is DeclarationStatus.RELEASED and target is DeclarationStatus.WITHDRAWN:
        return [
            Problem(
                "WITHDRAWAL_AFTER_RELEASE",
                "a declaration can be withdrawn only before release (DESIGN)",
            )
        ]
    if current in FINAL_STATUSES:
        return [
            Problem(
                "DECLARATION_CLOSED",
                f"the declaration is {current.value}; it cannot become {target.value}",
            )
        ]
    return [
        Problem(
            "INVALID_STATUS_TRANSITION",
            f"a {current.value} declaration cannot become {target.value}",
        )
    ]


def check_not_covered(covered_by_full: bool, action: str) -> list[Problem]:
    """DESIGN "Temporary declarations" (Order 1907 p.4, p.12): a temporary declaration
    covered by a full one is settled through it; withdrawing, refusing or correcting it
    alone would change figures the full declaration has actualised."""
    if not covered_by_full:
        return []
    return [
        Problem(
            "COVERED_BY_FULL_DECLARATION",
            f"this temporary declaration is covered by a full declaration and cannot be "
            f"{action} alone",
        )
    ]


def check_withdrawal(status: DeclarationStatus, covered_by_full: bool) -> list[Problem]:
    """DESIGN "Withdrawal" only before release; "Temporary declarations": one already
    covered by a full declaration cannot be withdrawn alone (Order 1907 p.4, p.12)."""
    problems = check_transition(status, DeclarationStatus.WITHDRAWN)
    return problems + check_not_covered(covered_by_full, "withdrawn")
