"""Permit statuses and operations (DESIGN Part B; Permit rules p.3, p.9)."""

from __future__ import annotations

import pytest

from domain.permits.lifecycle import PermitOperation, PermitStatus, check_operation, status_after

Op = PermitOperation
St = PermitStatus


@pytest.mark.parametrize(
    ("status", "operation", "result"),
    [
        (St.PREPARED, Op.ISSUE, St.IN_FORCE),
        (St.PREPARED, Op.AMEND, St.PREPARED),
        (St.IN_FORCE, Op.AMEND, St.IN_FORCE),
        (St.IN_FORCE, Op.TRANSFER, St.IN_FORCE),
        (St.IN_FORCE, Op.FIX_TERM, St.IN_FORCE),
        (St.IN_FORCE, Op.REVOKE, St.REVOKED),
        (St.IN_FORCE, Op.ANNUL, St.ANNULLED),
        (St.REVOKED, Op.RESTORE, St.IN_FORCE),
        (St.ANNULLED, Op.RESTORE, St.IN_FORCE),
        (St.IN_FORCE, Op.EXECUTE, St.EXECUTED),
    ],
)
def test_lifecycle_allowed_transitions(status: St, operation: Op, result: St) -> None:
    """DESIGN Part B: issue, amend, transfer (Permit rules p.3), fix term (p.9), revoke,
    annul, restore, execute."""
    assert check_operation(status, operation) == []
    assert status_after(status, operation) is result


def test_p9_term_fixed_once_then_extended_or_expired() -> None:
    """Permit rules p.9: the start is fixed once, at the first placement; only a fixed term
    is extended or expires."""
    assert [p.code for p in check_operation(St.IN_FORCE, Op.FIX_TERM, term_fixed=True)] == [
        "TERM_ALREADY_FIXED"
    ]
    for operation in (Op.EXTEND, Op.EXPIRE):
        assert [p.code for p in check_operation(St.IN_FORCE, operation)] == ["TERM_NOT_FIXED"]
        assert check_operation(St.IN_FORCE, operation, term_fixed=True) == []
    assert status_after(St.IN_FORCE, Op.EXTEND) is St.IN_FORCE
    assert status_after(St.IN_FORCE, Op.EXPIRE) is St.EXPIRED


@pytest.mark.parametrize("status", [St.EXECUTED, St.EXPIRED])
@pytest.mark.parametrize("operation", list(Op))
def test_lifecycle_final_statuses_allow_nothing(status: St, operation: Op) -> None:
    """DESIGN Part B: an executed or expired permit takes no further operation."""
    problems = check_operation(status, operation, term_fixed=True)
    assert [(p.code, p.field) for p in problems] == [("OPERATION_NOT_ALLOWED", ("status",))]


@pytest.mark.parametrize(
    ("status", "operation"),
    [
        (St.IN_FORCE, Op.ISSUE),
        (St.PREPARED, Op.TRANSFER),
        (St.PREPARED, Op.FIX_TERM),
        (St.PREPARED, Op.REVOKE),
        (St.REVOKED, Op.AMEND),
        (St.REVOKED, Op.ANNUL),
        (St.ANNULLED, Op.EXTEND),
        (St.IN_FORCE, Op.RESTORE),
        (St.PREPARED, Op.EXECUTE),
    ],
)
def test_lifecycle_refused_transitions(status: St, operation: Op) -> None:
    """DESIGN Part B: an operation outside its statuses is refused, naming them."""
    problem = check_operation(status, operation, term_fixed=True)[0]
    assert problem.code == "OPERATION_NOT_ALLOWED"
    assert str(operation) in problem.message
