"""Declaration number, kind, release deadline and lifecycle (Order 1907 p.4, p.9,
p.11-12; DESIGN)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.access import Principal, Role
from domain.declarations import (
    DeclarationData,
    DeclarationKind,
    DeclarationNumber,
    DeclarationStatus,
    Direction,
    ItemData,
    TemporaryFacts,
    check_automatic_mode,
    check_correction,
    check_deadline_extension,
    check_declarant,
    check_declaration,
    check_draft,
    check_items,
    check_kind,
    check_not_covered,
    check_procedure,
    check_refusal,
    check_same_registration,
    check_temporary,
    check_transition,
    check_withdrawal,
    deadline_passed,
    extend_release_deadline,
    format_declaration_number,
    parse_declaration_number,
    release_deadline,
    status_after_control,
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
    assert check_procedure("80") == []
    assert check_procedure("51") == []
    assert codes(check_procedure("8")) == ["INVALID_PROCEDURE"]
    assert codes(check_procedure("8A")) == ["INVALID_PROCEDURE"]


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


# --- the declaration as filed (Order 1907 p.4-5, p.11-12; DESIGN) -------------------------

OFFICE = "10702070"
NUMBER = f"{OFFICE}/050324/0000042"
HOLDER_INN = "7707083893"


def make_item_data(item_no: int = 1, **changes: Any) -> ItemData:
    data: dict[str, Any] = {
        "item_no": item_no,
        "name": "Трансформаторы силовые",
        "hs_code": "8504210000",
        "quantity": Decimal("10"),
        "unit": "796",
        "license_number": "L-1",
        "line_no": 1,
    }
    return ItemData(**{**data, **changes})


def make_data(*items: ItemData, **changes: Any) -> DeclarationData:
    data: dict[str, Any] = {
        "number": NUMBER,
        "kind": DeclarationKind.STANDARD,
        "direction": Direction.EXPORT,
        "procedure": "10",
        "customs_office": OFFICE,
        "declarant_inn": HOLDER_INN,
        "items": list(items) or [make_item_data()],
    }
    return DeclarationData(**{**data, **changes})


def test_p5_a_well_formed_declaration_passes() -> None:
    assert check_declaration(make_data()) == []


def test_p5_items_are_numbered_and_each_cites_a_licence_line_or_a_permit_row() -> None:
    """DESIGN Part A, Part B "A permit is also used": each problem at its item's field."""
    items = [
        make_item_data(2, hs_code="85", unit="999", quantity=Decimal("-1")),
        make_item_data(2, license_number=" ", value=Decimal("5")),
        make_item_data(3, license_number="", permit_number="P-1", permit_row=0),
        make_item_data(4, permit_number="P-1"),
    ]
    found = [(p.code, p.field) for p in check_items(items)]
    assert found == [
        ("INVALID_ITEM_NUMBER", ("items", 0, "itemNo")),
        ("INVALID_HS_CODE", ("items", 0, "hsCode")),
        ("UNKNOWN_UNIT", ("items", 0, "unit")),
        ("QUANTITY_NOT_POSITIVE", ("items", 0, "quantity")),
        ("REQUIRED", ("items", 1, "currency")),
        ("REQUIRED", ("items", 1, "licenseNumber")),
        ("INVALID_PERMIT_ROW", ("items", 2, "permitRow")),
        ("LICENCE_OR_PERMIT", ("items", 3, "permitNumber")),
    ]
    assert codes(check_items([])) == ["REQUIRED"]


def test_design_a_permit_is_cited_under_procedure_51_only() -> None:
    """DESIGN Part B: goods placed under processing on the customs territory."""
    item = make_item_data(license_number="", permit_number="P-1")
    assert codes(check_declaration(make_data(item))) == ["PERMIT_NEEDS_PROCEDURE_51"]
    assert check_declaration(make_data(item, procedure="51")) == []


def test_design_the_number_begins_with_the_office_filed_at_except_in_a_draft() -> None:
    """DESIGN Part A: registration checks the office; a preview (draft) does not."""
    elsewhere = make_data(customs_office="10702030")
    assert codes(check_declaration(elsewhere)) == ["NUMBER_OFFICE_MISMATCH"]
    assert check_draft(elsewhere) == []
    assert codes(check_declaration(make_data(number="42", declarant_inn="1"))) == [
        "INVALID_DECLARATION_NUMBER",
        "INVALID_INN",
    ]


def test_p4_a_declarant_files_in_its_own_name_only() -> None:
    """Order 1907 p.4 (DESIGN "Holder"): a DECLARANT key for its own INN; an officer any."""
    declarant = Principal("k", "declarant", Role.DECLARANT, HOLDER_INN)
    officer = Principal("o", "officer", Role.OFFICER)
    assert check_declarant(declarant, HOLDER_INN) == []
    assert check_declarant(officer, "7736050003") == []
    assert codes(check_declarant(declarant, "7736050003")) == ["NOT_YOUR_DECLARATION"]


def test_design_a_number_is_registered_again_only_with_the_same_content() -> None:
    assert check_same_registration(NUMBER, "abc", "abc") == []
    assert codes(check_same_registration(NUMBER, "abc", "def")) == ["NUMBER_ALREADY_REGISTERED"]


def test_p12_a_full_declaration_completes_open_temporary_ones_of_its_declarant() -> None:
    at = ("temporaryDeclarations", 0)

    def temporary(**changes: Any) -> TemporaryFacts:
        data: dict[str, Any] = {
            "number": NUMBER,
            "kind": DeclarationKind.TEMPORARY,
            "declarant_inn": HOLDER_INN,
            "status": S.RELEASED,
            "covered": False,
        }
        return TemporaryFacts(**{**data, **changes})

    assert check_temporary(NUMBER, temporary(), HOLDER_INN, at) == []
    assert codes(check_temporary(NUMBER, None, HOLDER_INN, at)) == ["TEMPORARY_NOT_FOUND"]
    standard = temporary(kind=DeclarationKind.STANDARD)
    assert codes(check_temporary(NUMBER, standard, HOLDER_INN, at)) == ["TEMPORARY_NOT_FOUND"]
    other = temporary(declarant_inn="7736050003", status=S.WITHDRAWN, covered=True)
    assert codes(check_temporary(NUMBER, other, HOLDER_INN, at)) == [
        "TEMPORARY_OF_OTHER_DECLARANT",
        "TEMPORARY_CLOSED",
        "TEMPORARY_ALREADY_COVERED",
    ]


def test_design_corrections_while_open_and_never_after_actualisation() -> None:
    """DESIGN "Corrections" (Order 1907 p.12 for a full declaration)."""
    items = [make_item_data()]
    full = DeclarationKind.FULL
    assert check_correction(S.CONTROLLED, full, False, "10", items) == []
    assert codes(check_correction(S.RELEASED, full, False, "10", items)) == ["DECLARATION_CLOSED"]
    assert codes(check_correction(S.CONTROLLED, full, True, "10", items)) == [
        "COVERED_BY_FULL_DECLARATION"
    ]
    assert codes(check_correction(S.ACCOUNTED, full, False, "10", items)) == [
        "CORRECTION_AFTER_ACTUALISATION"
    ]


def test_p6_p13_control_keeps_an_open_status_and_automatic_mode_needs_one_not_accounted() -> None:
    assert status_after_control(S.REGISTERED) is S.CONTROLLED
    assert status_after_control(S.ACCOUNTED) is S.ACCOUNTED
    with pytest.raises(RuleViolation) as caught:
        status_after_control(S.RELEASED)
    assert codes(caught.value.problems) == ["DECLARATION_CLOSED"]
    assert check_automatic_mode(S.CONTROLLED) == []
    assert codes(check_automatic_mode(S.ACCOUNTED)) == ["AUTOMATIC_MODE_NOT_APPLICABLE"]
    assert codes(check_refusal(S.ACCOUNTED, True)) == ["COVERED_BY_FULL_DECLARATION"]
