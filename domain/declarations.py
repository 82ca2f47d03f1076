"""Declarations: number, kind, customs procedure, release deadline and lifecycle.

Order 1907 p.4 (withdrawal, refusal), p.7 (procedures), p.9 (release deadline),
p.11-12 (temporary and full declarations); DESIGN for what the texts leave open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Sized
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.access import Principal, acts_for
from domain.codes import check_currency_code, check_customs_office_code, check_inn, is_digits
from domain.limits import (
    MAX_DEADLINE_EXTENSION_HOURS,
    MAX_DECLARATION_ITEMS,
    MAX_NAME_LENGTH,
    MAX_NUMBER_LENGTH,
    MAX_REASON_LENGTH,
    MAX_REFUSAL_GROUNDS,
    MAX_TEMPORARY_DECLARATIONS,
    check_count,
    check_identifier,
    check_text,
    shown,
)
from domain.numbers import check_positive_money, check_positive_quantity
from domain.problems import FieldPath, Problem, RuleViolation
from domain.units import check_unit

TRANSIT_PROCEDURE = "80"
"""Customs transit: never accounted (Order 1907 p.7)."""
PROCESSING_PROCEDURE = "51"
"""Processing on the customs territory (DESIGN Part B; CU Commission Decision 378)."""
DEFAULT_RELEASE_HOURS = 4
"""DESIGN "Release deadline": registration time plus a configurable term."""

#: ASCII digits only, the whole text (``fullmatch``): see :mod:`domain.codes`.
_NUMBER = re.compile(r"([0-9]{8})/([0-9]{2})([0-9]{2})([0-9]{2})/([0-9]{7})")
_PROCEDURE = re.compile(r"[0-9]{2}")


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
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise RuleViolation(
            [
                Problem(
                    "INVALID_DECLARATION_NUMBER",
                    "a declaration number is CCCCCCCC/DDMMYY/NNNNNNN (digits 0-9), "
                    f"got {shown(text)}",
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
                f"{day}{month}{year} in {shown(text)} is not a calendar date (DDMMYY)",
                field,
            )
        )
    if problems or registered_on is None:
        raise RuleViolation(problems)
    return DeclarationNumber(office, registered_on, int(serial))


def _number_parts_problems(office: str, serial: int, field: FieldPath = ()) -> list[Problem]:
    problems = check_customs_office_code(office, field)
    if not 1 <= serial <= 9_999_999:
        problems.append(
            Problem(
                "INVALID_DECLARATION_SERIAL",
                f"the serial is 1 to 9999999, got {serial}",
                field,
            )
        )
    return problems


def check_declaration_number(text: str, field: FieldPath = ()) -> list[Problem]:
    """The problems of ``text`` as a declaration number (see ``parse_declaration_number``)."""
    try:
        parse_declaration_number(text, field)
    except RuleViolation as exc:
        return exc.problems
    return []


def check_procedure(code: str, field: FieldPath = ("procedure",)) -> list[Problem]:
    """A customs procedure code has two digits (e.g. 10, 40, 51, 80; Order 1907 p.7)."""
    if _PROCEDURE.fullmatch(code):
        return []
    message = f"procedure code is 2 digits 0-9, got {shown(code)}"
    return [Problem("INVALID_PROCEDURE", message, field)]


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
    """DESIGN "Release deadline": an officer extends it by whole hours (at most
    ``MAX_DEADLINE_EXTENSION_HOURS`` at once) with a reason, while the declaration is
    still open."""
    problems = []
    if status in FINAL_STATUSES:
        problems.append(
            Problem(
                "DECLARATION_CLOSED",
                f"the declaration is {status.value}; its release deadline no longer runs",
            )
        )
    if not 0 < hours <= MAX_DEADLINE_EXTENSION_HOURS:
        problems.append(
            Problem(
                "INVALID_EXTENSION",
                f"an extension is 1 to {MAX_DEADLINE_EXTENSION_HOURS} hours, got {hours}",
                ("hours",),
            )
        )
    if not reason.strip():
        problems.append(Problem("REQUIRED", "an extension needs a reason", ("reason",)))
    return problems + check_statement(reason)


def check_statement(text: str, field: FieldPath = ("reason",)) -> list[Problem]:
    """What an officer or a declarant states with an operation (a reason for a refusal,
    a withdrawal, a correction, an extension) is text within its bound (domain.limits)."""
    return check_text(text, MAX_REASON_LENGTH, field)


def check_refusal_statement(grounds: Sized, reason: str) -> list[Problem]:
    """Order 1907 p.9: a refusal names at most ``MAX_REFUSAL_GROUNDS`` grounds (counted
    before any is read) and states its reason within its bound."""
    too_many = check_count(grounds, MAX_REFUSAL_GROUNDS, ("grounds",), "refusal grounds")
    return too_many + check_statement(reason)


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


def status_after_control(status: DeclarationStatus) -> DeclarationStatus:
    """Order 1907 p.6: control makes a registered declaration CONTROLLED and leaves any
    other open one where it is (control again after a correction, DESIGN "Corrections").
    Raises ``RuleViolation`` for a closed declaration."""
    target = DeclarationStatus.CONTROLLED if status is DeclarationStatus.REGISTERED else status
    if problems := check_transition(status, target):
        raise RuleViolation(problems)
    return target


def check_refusal(status: DeclarationStatus, covered_by_full: bool) -> list[Problem]:
    """Order 1907 p.9 refusal of an open declaration not settled through a full one."""
    return check_transition(status, DeclarationStatus.REFUSED) + check_not_covered(
        covered_by_full, "refused"
    )


def check_automatic_mode(status: DeclarationStatus) -> list[Problem]:
    """Order 1907 p.13: the automatic mode takes a declaration not yet accounted."""
    if status in (DeclarationStatus.REGISTERED, DeclarationStatus.CONTROLLED):
        return []
    return [
        Problem(
            "AUTOMATIC_MODE_NOT_APPLICABLE",
            f"automatic mode runs on a registered or controlled declaration, "
            f"not a {status.value} one",
        )
    ]


# --- the declaration as filed ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoodsItem:
    """A goods item of a declaration and the licence line it cites (Order 1907 p.6)."""

    item_no: int
    name: str
    hs_code: str
    quantity: Decimal
    unit: str
    license_number: str
    line_no: int
    value: Decimal | None = None
    currency: str | None = None
    earlier_declaration: str | None = None
    """The declaration under which these goods were already accounted (Order 1907 p.7)."""


@dataclass(frozen=True)
class ItemData(GoodsItem):
    """A goods item as declared.  (Its fields are hashed for idempotency: never rename
    one.)"""

    permit_number: str | None = None
    """A processing permit cited instead of a licence (DESIGN Part B, "A permit is also
    used"): goods placed under procedure 51 against its table 3 row ``permit_row``."""
    permit_row: int | None = None

    @property
    def cites_permit(self) -> bool:
        return self.permit_number is not None


@dataclass(frozen=True)
class DeclarationData:
    """A goods declaration as registered.  (Its fields are hashed for idempotency: never
    rename one.)"""

    number: str
    kind: DeclarationKind
    direction: Direction
    procedure: str
    customs_office: str
    declarant_inn: str
    items: list[ItemData]
    first_procedure: bool = True
    represented_inn: str | None = None
    temporary_numbers: list[str] = field(default_factory=list)


def check_items(items: Sequence[ItemData]) -> list[Problem]:
    """At most ``MAX_DECLARATION_ITEMS`` items (counted before any item is read),
    numbered 1..n, each with a 10-digit HS code, a known unit, a positive quantity, a
    positive value with currency when given, and the licence line cited."""
    if too_many := check_count(items, MAX_DECLARATION_ITEMS, ("items",), "goods items"):
        return too_many
    problems: list[Problem] = []
    if not items:
        problems.append(Problem("REQUIRED", "a declaration has at least one item", ("items",)))
    for index, item in enumerate(items):
        problems += [p.under("items", index) for p in check_declared_item(item, index + 1)]
    return problems


def check_declared_item(item: ItemData, item_no: int) -> list[Problem]:
    """One item, the ``item_no``-th of its declaration (fields relative to the item)."""
    problems: list[Problem] = []
    if item.item_no != item_no:
        problems.append(
            Problem(
                "INVALID_ITEM_NUMBER",
                f"items are numbered 1, 2, ... in order; item {item_no} says {item.item_no}",
                ("itemNo",),
            )
        )
    if not item.name.strip():
        problems.append(Problem("REQUIRED", "the goods name is required", ("name",)))
    problems += check_text(item.name, MAX_NAME_LENGTH, ("name",))
    if not is_digits(item.hs_code, 10):
        problems.append(
            Problem(
                "INVALID_HS_CODE",
                f"a declared item has a 10-digit HS code (0-9), got {shown(item.hs_code)}",
                ("hsCode",),
            )
        )
    problems += check_unit(item.unit, ("unit",))
    problems += check_positive_quantity(item.quantity, ("quantity",))
    if item.value is not None:
        problems += check_positive_money(item.value, ("value",))
        if item.currency is None:
            problems.append(Problem("REQUIRED", "a value needs its currency", ("currency",)))
    if item.currency is not None:
        problems += check_currency_code(item.currency, ("currency",))
    problems += check_citation(item)
    if item.earlier_declaration is not None:
        problems += check_declaration_number(item.earlier_declaration, ("earlierDeclaration",))
    return problems


def check_citation(item: ItemData) -> list[Problem]:
    """An item cites exactly one of a licence line or a permit's table 3 row (DESIGN
    Part B, "A permit is also used"), by a number within its bound."""
    if item.permit_number is None:
        if not item.license_number.strip():
            return [Problem("REQUIRED", "the licence number is required", ("licenseNumber",))]
        if item.line_no < 1:
            return [Problem("REQUIRED", "the licence line is required", ("lineNo",))]
        return check_identifier(item.license_number, MAX_NUMBER_LENGTH, ("licenseNumber",))
    if item.license_number.strip():
        return [
            Problem(
                "LICENCE_OR_PERMIT",
                "an item cites a licence or a processing permit, not both",
                ("permitNumber",),
            )
        ]
    if not item.permit_number.strip():
        return [Problem("REQUIRED", "the permit number is required", ("permitNumber",))]
    if item.permit_row is not None and item.permit_row < 1:
        return [Problem("INVALID_PERMIT_ROW", "table 3 rows are numbered from 1", ("permitRow",))]
    return check_identifier(item.permit_number, MAX_NUMBER_LENGTH, ("permitNumber",))


def check_permit_procedure(procedure: str, items: Sequence[ItemData]) -> list[Problem]:
    """DESIGN Part B: a permit is cited by goods placed under processing on the customs
    territory, procedure 51, only."""
    if procedure == PROCESSING_PROCEDURE:
        return []
    return [
        Problem(
            "PERMIT_NEEDS_PROCEDURE_51",
            f"a processing permit is cited only under procedure {PROCESSING_PROCEDURE} "
            f"(processing on the customs territory), not {procedure}",
            ("items", index, "permitNumber"),
        )
        for index, item in enumerate(items)
        if item.cites_permit
    ]


def check_draft(data: DeclarationData) -> list[Problem]:
    """A declaration's content, whichever office it is filed at: its number, procedure,
    INNs, kind, temporary declarations and items (Order 1907 p.5-7, p.11-12); the lists
    within their bounds, counted before any element is read (domain.limits)."""
    too_many = check_count(
        data.temporary_numbers,
        MAX_TEMPORARY_DECLARATIONS,
        ("temporaryDeclarations",),
        "temporary declarations",
    )
    too_many += check_count(data.items, MAX_DECLARATION_ITEMS, ("items",), "goods items")
    if too_many:
        return too_many
    problems = check_declaration_number(data.number, ("number",))
    problems += check_procedure(data.procedure)
    problems += check_inn(data.declarant_inn, ("declarantInn",))
    if data.represented_inn is not None:
        problems += check_inn(data.represented_inn, ("representedInn",))
    problems += check_kind(data.kind, data.direction, data.temporary_numbers)
    for index, number_text in enumerate(data.temporary_numbers):
        problems += check_declaration_number(number_text, ("temporaryDeclarations", index))
    problems += check_items(data.items)
    problems += check_permit_procedure(data.procedure, data.items)
    return problems


def check_declaration(data: DeclarationData) -> list[Problem]:
    """Everything a registration must pass before anything is written: the draft's
    checks, and the number begins with the office it is filed at (DESIGN Part A)."""
    return check_number_office(data.number, data.customs_office) + check_draft(data)


def check_number_office(number_text: str, customs_office: str) -> list[Problem]:
    """DESIGN Part A: a declaration number begins with the office it is filed at (a
    malformed number is ``check_declaration_number``'s)."""
    try:
        number = parse_declaration_number(number_text)
    except RuleViolation:
        return []
    if number.customs_office == customs_office:
        return []
    return [
        Problem(
            "NUMBER_OFFICE_MISMATCH",
            f"the number begins with customs office {number.customs_office}, not {customs_office}",
            ("number",),
        )
    ]


def check_declarant(principal: Principal, declarant_inn: str) -> list[Problem]:
    """Order 1907 p.4: a declaration is filed in the name of a declarant the key acts
    for: a DECLARANT key its own INN only (``domain.access.acts_for``)."""
    if acts_for(principal, declarant_inn):
        return []
    return [
        Problem(
            "NOT_YOUR_DECLARATION",
            "a DECLARANT key registers declarations of its own INN only",
            ("declarantInn",),
        )
    ]


def check_same_registration(number: str, registered_hash: str | None, digest: str) -> list[Problem]:
    """A declaration ``number`` registered already is registered again only with the
    same content (``digest``: a resend under another key changes nothing; DESIGN
    "Idempotency keys")."""
    if registered_hash == digest:
        return []
    return [
        Problem(
            "NUMBER_ALREADY_REGISTERED",
            f"declaration {number} is registered with other content",
            ("number",),
        )
    ]


def declaration_not_found(number: str) -> Problem:
    """No declaration ``number`` that the principal may see (DESIGN "Holder")."""
    return Problem("DECLARATION_NOT_FOUND", f"no declaration {number} is registered", ("number",))


@dataclass(frozen=True, slots=True)
class TemporaryFacts:
    """A declaration a full one names as its temporary one (Order 1907 p.12)."""

    number: str
    kind: DeclarationKind
    declarant_inn: str
    status: DeclarationStatus
    covered: bool


def check_temporary(
    number: str, temporary: TemporaryFacts | None, declarant_inn: str, field: FieldPath
) -> list[Problem]:
    """Order 1907 p.12: a temporary declaration a full one completes exists, is the same
    declarant's, was not refused or withdrawn, and no other full one covers it."""
    if temporary is None or temporary.kind is not DeclarationKind.TEMPORARY:
        return [Problem("TEMPORARY_NOT_FOUND", f"no temporary declaration {number}", field)]
    problems = []
    if temporary.declarant_inn != declarant_inn:
        problems.append(Problem("TEMPORARY_OF_OTHER_DECLARANT", f"{number} is another's", field))
    if temporary.status in (DeclarationStatus.REFUSED, DeclarationStatus.WITHDRAWN):
        problems.append(Problem("TEMPORARY_CLOSED", f"{number} is {temporary.status.value}", field))
    if temporary.covered:
        problems.append(temporary_covered(number, field))
    return problems


def temporary_covered(number: str, field: FieldPath) -> Problem:
    """Order 1907 p.12: one full declaration completes a temporary one."""
    return Problem("TEMPORARY_ALREADY_COVERED", f"{number} is covered by another", field)


def check_correction(
    status: DeclarationStatus,
    kind: DeclarationKind,
    covered_by_full: bool,
    procedure: str,
    items: Sequence[ItemData],
) -> list[Problem]:
    """DESIGN "Corrections": items are corrected while the declaration is open, not on a
    temporary one a full declaration covers (p.12), citing permits only under procedure
    51, and never after a full declaration's actualisation (withdraw it instead)."""
    if status in FINAL_STATUSES:
        return [Problem("DECLARATION_CLOSED", f"the declaration is {status.value}")]
    if problems := check_not_covered(covered_by_full, "corrected"):
        return problems
    if problems := check_permit_procedure(procedure, items):
        return problems
    if status is DeclarationStatus.ACCOUNTED and kind is DeclarationKind.FULL:
        return [
            Problem(
                "CORRECTION_AFTER_ACTUALISATION",
                "withdraw the full declaration and register a new one instead",
            )
        ]
    return []
