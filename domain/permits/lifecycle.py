"""Permit statuses and the operations allowed in each (DESIGN Part B: statuses and
operations of the FTS XML album's permit; the term operations from Permit rules p.9).

A permit is PREPARED until issued, then IN_FORCE.  It leaves force by execution (the
procedure completed), expiry of the term, revocation or annulment; a revoked or annulled
permit may be restored to force (point 15 marks).  Amendment, transfer (point 1.1, p.3),
fixing the term at the first placement and extensions (p.9) keep the status.
"""

from __future__ import annotations

from enum import StrEnum

from domain.problems import Problem


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


_S = PermitStatus
_O = PermitOperation

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
