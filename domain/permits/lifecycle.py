"""Permit statuses and the operations allowed in each (DESIGN Part B: statuses and
operations of the FTS XML album's permit; the term operations from Permit rules p.9).

A permit is PREPARED until issued, then IN_FORCE.  It leaves force by execution (the
procedure completed), expiry of the term, revocation or annulment; a revoked or annulled
permit may be restored to force (point 15 marks).  Amendment, transfer (point 1.1, p.3),
fixing the term at the first placement and extensions (p.9) keep the status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from domain.permits.form import Holder, MarkKind, PermitForm
from domain.problems import Problem, RuleViolation


class PermitStatus(StrEnum):
    PREPARED = "PREPARED"
    IN_FORCE = "IN_FORCE"
    EXECUTED = "EXECUTED"
    EXPIRED = "EXPIRED"
    ANNULLED = "ANNULLED"
    REVOKED = "REVOKED"


class PermitOperation(StrEnum):
    ISSUE = "ISSUE"
    AMEND = "AMEND"
    TRANSFER = "TRANSFER"
    FIX_TERM = "FIX_TERM"
    EXTEND = "EXTEND"
    REVOKE = "REVOKE"
    ANNUL = "ANNUL"
    RESTORE = "RESTORE"
    EXPIRE = "EXPIRE"
    EXECUTE = "EXECUTE"


class RevisionOperation(StrEnum):
    """What made a revision: the lifecycle operations, and draft creation and edits."""

    CREATE = "CREATE"
    EDIT = "EDIT"
    ISSUE = "ISSUE"
    AMEND = "AMEND"
    TRANSFER = "TRANSFER"
    FIX_TERM = "FIX_TERM"
    EXTEND = "EXTEND"
    REVOKE = "REVOKE"
    ANNUL = "ANNUL"
    RESTORE = "RESTORE"
    EXPIRE = "EXPIRE"


_S = PermitStatus
_O = PermitOperation
T = TypeVar("T")

#: operation -> (statuses it is allowed from, status it leads to; None keeps the status)
TRANSITIONS: dict[PermitOperation, tuple[frozenset[PermitStatus], PermitStatus | None]] = {
    _O.ISSUE: (frozenset({_S.PREPARED}), _S.IN_FORCE),
    _O.AMEND: (frozenset({_S.PREPARED, _S.IN_FORCE}), None),
    _O.TRANSFER: (frozenset({_S.IN_FORCE}), None),
    _O.FIX_TERM: (frozenset({_S.IN_FORCE}), None),
    _O.EXTEND: (frozenset({_S.IN_FORCE}), None),
    _O.REVOKE: (frozenset({_S.IN_FORCE}), _S.REVOKED),
    _O.ANNUL: (frozenset({_S.IN_FORCE}), _S.ANNULLED),
    _O.RESTORE: (frozenset({_S.REVOKED, _S.ANNULLED}), _S.IN_FORCE),
    _O.EXPIRE: (frozenset({_S.IN_FORCE}), _S.EXPIRED),
    _O.EXECUTE: (frozenset({_S.IN_FORCE}), _S.EXECUTED),
}

#: Operations that need the term fixed (an end date to extend or to pass).
_NEED_TERM = frozenset({_O.EXTEND, _O.EXPIRE})


def check_operation(
    status: PermitStatus, operation: PermitOperation, *, term_fixed: bool = False
) -> list[Problem]:
    """Why ``operation`` cannot be done to a permit in ``status``; empty when it can.

    The term is fixed once, at the first placement (Permit rules p.9), and only a fixed
    term can be extended or expire.
    """
    allowed, _ = TRANSITIONS[operation]
    if status not in allowed:
        names = ", ".join(sorted(allowed))
        return [
            Problem(
                "OPERATION_NOT_ALLOWED",
                f"{operation} is not allowed for a {status} permit (only {names})",
                ("status",),
            )
        ]
    if operation is _O.FIX_TERM and term_fixed:
        return [
            Problem("TERM_ALREADY_FIXED", "the term was fixed at the first placement", ("term",))
        ]
    if operation in _NEED_TERM and not term_fixed:
        return [
            Problem(
                "TERM_NOT_FIXED",
                f"{operation} needs the term fixed: no goods have been placed yet",
                ("term",),
            )
        ]
    return []


def status_after(status: PermitStatus, operation: PermitOperation) -> PermitStatus:
    """The status ``operation`` leads to (call :func:`check_operation` first)."""
    return TRANSITIONS[operation][1] or status


def next_status(
    status: PermitStatus, operation: PermitOperation, *, term_fixed: bool = False
) -> PermitStatus:
    """The status ``operation`` leads to from ``status`` (DESIGN Part B; the term from
    Permit rules p.9); raises :class:`RuleViolation` when :func:`check_operation` refuses
    it.  The refusal concerns the request as a whole (the permit's state), not an input
    field, so its problems carry no path."""
    if problems := check_operation(status, operation, term_fixed=term_fixed):
        raise RuleViolation([Problem(p.code, p.message) for p in problems])
    return status_after(status, operation)


#: Point 15: the operation each special mark records.
MARK_OPERATIONS: dict[MarkKind, PermitOperation] = {
    MarkKind.REVOCATION: _O.REVOKE,
    MarkKind.ANNULMENT: _O.ANNUL,
    MarkKind.RESTORATION: _O.RESTORE,
}


@dataclass(frozen=True, slots=True)
class Placement:
    """What placements under procedure 51 accounted against a table 3 row, and what is
    left of its quantity (DESIGN Part B, "A permit is also used")."""

    accounted: Decimal
    available: Decimal


@dataclass(frozen=True, slots=True)
class Permit:
    """A permit as it stands: its form, its status, its issue date (the issuing office's
    local date; None for a draft), its revision (1 for the draft, then +1 per change) and
    what placements accounted against each table 3 row."""

    form: PermitForm
    status: PermitStatus = PermitStatus.PREPARED
    issue_date: date | None = None
    revision: int = 1
    placements: tuple[Placement, ...] = ()

    @property
    def term_fixed(self) -> bool:
        """The term's start was fixed at the first placement (Permit rules p.9)."""
        return self.form.term.start_date is not None

    @property
    def current_holder(self) -> Holder:
        """Point 1, or point 1.1's new holder once the permit was transferred (p.3)."""
        transfer = self.form.transfer
        return transfer.new_holder if transfer is not None else self.form.holder

    @property
    def issued_on(self) -> date:
        """The issue date of a permit that was issued (Permit rules p.2)."""
        assert self.issue_date is not None, "a draft has no issue date"  # checked before
        return self.issue_date


def found(permit: T | None, number: str | None = None) -> T:
    """The permit an operation names, by its ``number`` (or, when None, its ID); refused
    as not found when there is none the principal may see (DESIGN "Holder")."""
    if permit is None:
        what, field = ("this ID", "id") if number is None else (f"number {number}", "number")
        raise RuleViolation([Problem("PERMIT_NOT_FOUND", f"no permit with {what}", (field,))])
    return permit


def check_draft(status: PermitStatus) -> list[Problem]:
    """DESIGN Part B: a draft (PREPARED) is edited whole until it is issued; an issued
    permit is changed by amendment."""
    if status is PermitStatus.PREPARED:
        return []
    return [
        Problem(
            "OPERATION_NOT_ALLOWED",
            f"the permit is {status}: only a draft is edited; an issued permit is changed "
            "with amendPermit",
        )
    ]


def check_issued(status: PermitStatus) -> list[Problem]:
    """DESIGN Part B: an amendment changes an issued permit; a draft is edited."""
    if status is not PermitStatus.PREPARED:
        return []
    return [Problem("OPERATION_NOT_ALLOWED", "a draft is changed with updatePermitDraft")]


def check_revision(revision: int, expected: int | None) -> list[Problem]:
    """DESIGN Part B: a change made against the revision the officer read is refused once
    the permit has moved on (``expected`` None: no such condition)."""
    if expected is None or revision == expected:
        return []
    return [
        Problem(
            "REVISION_MISMATCH",
            f"the permit is at revision {revision}, not {expected}: it was changed "
            "meanwhile; read it again",
            ("expectedRevision",),
        )
    ]


def check_draft_edit(status: PermitStatus, revision: int, expected: int | None) -> list[Problem]:
    """DESIGN Part B: a draft's content is replaced whole (:func:`check_draft`) at the
    revision the officer read (:func:`check_revision`); the first refusal is given."""
    return check_draft(status) or check_revision(revision, expected)
