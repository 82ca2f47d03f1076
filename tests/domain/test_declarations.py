"""Declaration number, kind, release deadline and lifecycle (Order 1907 p.4, p.9,
p.11-12; DESIGN)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.declarations import (
    DeclarationKind,
    DeclarationNumber,
    DeclarationStatus,
    Direction,
    check_deadline_extension,
    check_kind,
    check_not_covered,
    check_transition,
    check_withdrawal,
    deadline_passed,
    extend_release_deadline,
    format_declaration_number,
    parse_declaration_number,
    procedure_code_error,
    release_deadline,
)
from domain.problems import Problem, RuleViolation

S = DeclarationStatus


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def test_design_number_formats_and_parses_back() -> None:
    """DESIGN Part A: CCCCCCCC/DDMMYY/NNNNNNN."""
    text = format_declaration_number("10702070", date(2024, 3, 5), 42)
    assert text == "10702070/050324/0000042"
    number = parse_declaration_number(text)
    assert number == DeclarationNumber("10702070", date(2024, 3, 5), 42)
    assert str(number) == text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("10702070/050324/42", "INVALID_DECLARATION_NUMBER"),
        ("1070207/050324/0000042", "INVALID_DECLARATION_NUMBER"),
        ("10702070-050324-0000042", "INVALID_DECLARATION_NUMBER"),
        ("10702070/310224/0000042", "INVALID_DECLARATION_DATE"),
        ("10702070/050324/0000000", "INVALID_DECLARATION_SERIAL"),
    ],
)
def test_design_bad_numbers_are_problems(text: str, code: str) -> None:
    """DESIGN Part A: a malformed number, an impossible date or serial 0 is refused."""
    with pytest.raises(RuleViolation) as caught:
        parse_declaration_number(text, ("number",))
    assert codes(caught.value.problems) == [code]
    assert caught.value.problems[0].field == ("number",)


def test_design_format_refuses_bad_parts() -> None:
    """DESIGN Part A: an 8-digit office code and a 7-digit serial."""
    with pytest.raises(RuleViolation) as caught:
        format_declaration_number("1070", date(2024, 1, 1), 10_000_000)
    assert codes(caught.value.problems) == [
        "INVALID_CUSTOMS_OFFICE_CODE",
        "INVALID_DECLARATION_SERIAL",
    ]


def test_p7_procedure_codes_are_two_digits() -> None:
    """Order 1907 p.7: procedures such as 40, 51 and transit 80 are 2-digit codes."""
    assert procedure_code_error("80") is None
    assert procedure_code_error("51") is None
    assert procedure_code_error("8") is not None
    assert procedure_code_error("8A") is not None


def test_p11_periodic_declaring_is_for_export_only() -> None:
    """Order 1907 p.11: temporary periodic declaring of exported goods."""
    assert check_kind(DeclarationKind.TEMPORARY, Direction.EXPORT, []) == []
    assert codes(check_kind(DeclarationKind.TEMPORARY, Direction.IMPORT, [])) == [
        "PERIODIC_DECLARING_EXPORT_ONLY"
    ]


def test_p12_full_declaration_references_temporary_ones() -> None:
    """Order 1907 p.12: the full declaration completes temporary ones; others cite none."""
    temporaries = ["10702070/050324/0000042"]
    assert check_kind(DeclarationKind.FULL, Direction.EXPORT, temporaries) == []
    assert codes(check_kind(DeclarationKind.FULL, Direction.EXPORT, [])) == [
        "TEMPORARY_DECLARATIONS_REQUIRED"
    ]
    assert codes(check_kind(DeclarationKind.STANDARD, Direction.EXPORT, temporaries)) == [
        "TEMPORARY_DECLARATIONS_NOT_ALLOWED"
    ]


def test_design_release_deadline_is_registration_plus_term() -> None:
    """DESIGN "Release deadline": default 4 hours, configurable."""
    registered = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert release_deadline(registered) == registered + timedelta(hours=4)
    assert release_deadline(registered, 24) == registered + timedelta(hours=24)
    with pytest.raises(ValueError, match="timezone"):
        release_deadline(datetime(2024, 3, 5, 10, 0))
    with pytest.raises(ValueError, match="positive"):
        release_deadline(registered, 0)


def test_design_deadline_extension_needs_hours_reason_and_open_declaration() -> None:
    """DESIGN "Release deadline": extendable by an officer with a reason."""
    deadline = datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert check_deadline_extension(S.CONTROLLED, 2, "laboratory sample") == []
    assert extend_release_deadline(deadline, 2) == deadline + timedelta(hours=2)
    assert codes(check_deadline_extension(S.RELEASED, 0, " ")) == [
        "DECLARATION_CLOSED",
        "INVALID_EXTENSION",
        "REQUIRED",
    ]


def test_p9_deadline_has_passed_at_its_moment() -> None:
    """Order 1907 p.9: checks are made no later than the deadline itself."""
    deadline = datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert not deadline_passed(deadline, deadline - timedelta(microseconds=1))
    assert deadline_passed(deadline, deadline)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.REGISTERED, S.CONTROLLED),
        (S.CONTROLLED, S.CONTROLLED),
        (S.CONTROLLED, S.ACCOUNTED),
        (S.CONTROLLED, S.RELEASED),
        (S.ACCOUNTED, S.ACCOUNTED),
        (S.ACCOUNTED, S.RELEASED),
        (S.ACCOUNTED, S.REFUSED),
        (S.ACCOUNTED, S.WITHDRAWN),
        (S.REGISTERED, S.WITHDRAWN),
    ],
)
def test_p4_p7_p10_lifecycle_allows(current: DeclarationStatus, target: DeclarationStatus) -> None:
    """Order 1907 p.7-10: control, accounting, release; p.4 refusal and withdrawal;
    DESIGN "Corrections": control again in the same status."""
    assert check_transition(current, target) == []


@pytest.mark.parametrize(
    ("current", "target", "code"),
    [
        (S.RELEASED, S.WITHDRAWN, "WITHDRAWAL_AFTER_RELEASE"),
        (S.RELEASED, S.REFUSED, "DECLARATION_CLOSED"),
        (S.REFUSED, S.RELEASED, "DECLARATION_CLOSED"),
        (S.WITHDRAWN, S.CONTROLLED, "DECLARATION_CLOSED"),
        (S.REGISTERED, S.ACCOUNTED, "INVALID_STATUS_TRANSITION"),
        (S.REGISTERED, S.RELEASED, "INVALID_STATUS_TRANSITION"),
        (S.ACCOUNTED, S.CONTROLLED, "INVALID_STATUS_TRANSITION"),
    ],
)
def test_p4_design_lifecycle_refuses(
    current: DeclarationStatus, target: DeclarationStatus, code: str
) -> None:
    """DESIGN "Withdrawal" only before release; final statuses never change; control
    comes before accounting and release (Order 1907 p.6-8)."""
    assert codes(check_transition(current, target)) == [code]


def test_p12_design_temporary_covered_by_full_is_not_withdrawn_alone() -> None:
    """DESIGN "Temporary declarations" (Order 1907 p.12)."""
    assert check_withdrawal(S.RELEASED, covered_by_full=False) == [
        *check_transition(S.RELEASED, S.WITHDRAWN)
    ]
    assert codes(check_withdrawal(S.ACCOUNTED, covered_by_full=True)) == [
        "COVERED_BY_FULL_DECLARATION"
    ]
    assert check_withdrawal(S.ACCOUNTED, covered_by_full=False) == []


def test_p12_design_temporary_covered_by_full_is_not_refused_or_corrected_alone() -> None:
    """DESIGN "Temporary declarations" (Order 1907 p.4, p.12): like a withdrawal."""
    [problem] = check_not_covered(True, "corrected")
    assert problem.code == "COVERED_BY_FULL_DECLARATION"
    assert "cannot be corrected alone" in problem.message
    assert check_not_covered(False, "refused") == []
