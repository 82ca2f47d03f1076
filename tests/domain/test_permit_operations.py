"""What the operations on a permit decide (DESIGN Part B; Permit rules p.3, p.5, p.9,
point 15): the value written, or the refusal with its problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain.permits.form import Holder, MarkKind, PermitForm, SpecialMark, Term, Transfer
from domain.permits.lifecycle import (
    Permit,
    PermitOperation,
    PermitStatus,
    Placement,
    check_draft_edit,
    found,
    next_status,
)
from domain.permits.operations import (
    Mark,
    amend_permit,
    extend_permit_term,
    fix_permit_term,
    issue_permit,
    mark_permit,
    transfer_permit,
)
from domain.permits.validation import check_offices_known, check_placed_quantities, office_codes
from domain.problems import FieldPath, RuleViolation
from tests.domain.test_permit_form import ISSUED, valid_form

NEW_HOLDER = Holder("ООО «Новый»", "7736207543", "Москва, ул. Новая, 2")
KNOWN = {"10216000"}


def in_force(form: PermitForm | None = None) -> Permit:
    return Permit(
        form or valid_form(),
        PermitStatus.IN_FORCE,
        ISSUED,
        revision=3,
        placements=(Placement(Decimal(0), Decimal(1000)),),
    )


def fixed(start: date = date(2027, 4, 1)) -> Permit:
    permit = in_force()
    term = fix_permit_term(permit, start, start)
    return replace(permit, form=replace(permit.form, term=term))


def refusal(call: Callable[..., object], *args: object) -> list[tuple[str, FieldPath]]:
    with pytest.raises(RuleViolation) as caught:
        call(*args)
    return [(p.code, p.field) for p in caught.value.problems]


def test_lifecycle_refusal_concerns_the_request() -> None:
    """DESIGN Part B: an operation outside its statuses is refused for the request as a
    whole (no input field); allowed, it gives the status it leads to."""
    assert next_status(PermitStatus.IN_FORCE, PermitOperation.REVOKE) is PermitStatus.REVOKED
    assert refusal(next_status, PermitStatus.PREPARED, PermitOperation.TRANSFER) == [
        ("OPERATION_NOT_ALLOWED", ())
    ]


def test_a_permit_not_seen_is_not_found() -> None:
    """DESIGN "Holder": a permit that does not exist, or that another INN holds, is not found."""
    assert found("doc", "10216000/150327/51/0001") == "doc"
    assert refusal(found, None, "X") == [("PERMIT_NOT_FOUND", ("number",))]
    assert refusal(found, None) == [("PERMIT_NOT_FOUND", ("id",))]


def test_draft_edit_gives_the_first_refusal() -> None:
    """DESIGN Part B: only a draft is edited, at the revision read."""
    assert check_draft_edit(PermitStatus.PREPARED, 2, None) == []
    assert [p.code for p in check_draft_edit(PermitStatus.PREPARED, 2, 1)] == ["REVISION_MISMATCH"]
    assert [p.code for p in check_draft_edit(PermitStatus.IN_FORCE, 2, 1)] == [
        "OPERATION_NOT_ALLOWED"
    ]


def test_p5e_column6_offices_are_in_the_reference_data() -> None:
    """Permit rules p.5(е): an office named with a code is a customs or post on record."""
    form = valid_form()
    assert office_codes(form) == {"10216000"}
    assert check_offices_known(form, KNOWN) == []
    assert [p.field for p in check_offices_known(form, set())] == [
        ("table3", 0, "customsOffices", 0, "code"),
        ("table5", 0, "customsOffices", 0, "code"),
        ("table6", 0, "customsOffices", 0, "code"),
    ]


def test_placements_keep_their_rows() -> None:
    """DESIGN Part B, placements: no table 3 row goes below what was accounted against it,
    and a row with placements stays."""
    rows = valid_form().table3
    assert check_placed_quantities(rows, [Decimal(1000)]) == []
    assert [p.field for p in check_placed_quantities(rows, [Decimal(1001)])] == [
        ("table3", 0, "quantity")
    ]
    assert [p.field for p in check_placed_quantities(rows, [Decimal(0), Decimal(5)])] == [
        ("table3",)
    ]


def test_issue_dates_the_rates_or_refuses_with_every_problem() -> None:
    """Permit rules p.1-p.9, p.5(д): the issued form has the rates dated on the issue date;
    a form with problems is refused with them all, under ``permit``."""
    form = valid_form()
    issued = issue_permit(form, form.header, ISSUED, KNOWN)
    assert issued.table3[0].cost is not None
    assert issued.table3[0].cost.rate_date == ISSUED
    assert refusal(issue_permit, form, form.header, ISSUED, set())[0] == (
        "CUSTOMS_OFFICE_NOT_FOUND",
        ("permit", "table3", 0, "customsOffices", 0, "code"),
    )


def test_amend_keeps_office_holder_and_fixed_term() -> None:
    """DESIGN Part B, "amend": a reason; the issuing customs, the holder and a fixed
    term's months stay; placements are kept."""
    permit = fixed()
    form = valid_form()
    changed = replace(
        form,
        header=replace(form.header, customs_office_code="10702000"),
        holder=NEW_HOLDER,
        term=Term(months=24),
    )
    assert refusal(amend_permit, permit, changed, " ", None, KNOWN) == [
        ("REQUIRED", ("reason",)),
        ("ISSUING_OFFICE_FIXED", ("permit", "customsOfficeCode")),
        ("HOLDER_CHANGE_BY_TRANSFER", ("permit", "holder", "inn")),
        ("TERM_FIXED", ("permit", "term", "months")),
    ]
    assert refusal(amend_permit, permit, form, "r", 2, KNOWN) == [
        ("REVISION_MISMATCH", ("expectedRevision",))
    ]
    draft = replace(permit, status=PermitStatus.PREPARED)
    assert refusal(amend_permit, draft, form, "r", None, KNOWN) == [("OPERATION_NOT_ALLOWED", ())]
    placed = replace(permit, placements=(Placement(Decimal(2000), Decimal(0)),))
    assert refusal(amend_permit, placed, form, "r", None, KNOWN) == [
        ("QUANTITY_BELOW_ACCOUNTED", ("permit", "table3", 0, "quantity"))
    ]
    amended = amend_permit(permit, form, "r", 3, KNOWN)
    assert amended.term == permit.form.term


def test_p3_transfer_from_the_current_holder_not_after_today() -> None:
    """Permit rules p.3: point 1.1 names another person, by a decision dated between the
    issue and today; after a transfer the next one is away from the new holder."""
    today = date(2027, 6, 1)
    transfer = Transfer(NEW_HOLDER, "15-10/123", date(2027, 5, 1))
    assert transfer_permit(in_force(), transfer, today) == transfer
    late = replace(transfer, decision_date=date(2027, 6, 2))
    assert refusal(transfer_permit, in_force(), late, today) == [
        ("DATE_IN_FUTURE", ("decisionDate",))
    ]
    moved = in_force(replace(valid_form(), transfer=transfer))
    assert refusal(transfer_permit, moved, transfer, today) == [
        ("TRANSFER_TO_SAME_HOLDER", ("newHolder", "inn"))
    ]


def test_p9_term_fixed_once_then_extended_until_it_ends() -> None:
    """Permit rules p.9: the term is fixed at the first placement (not after today), then
    extended by whole months while it has not ended."""
    start = date(2027, 4, 1)
    assert refusal(fix_permit_term, in_force(), start, date(2027, 3, 31)) == [
        ("DATE_IN_FUTURE", ("startDate",))
    ]
    permit = fixed(start)
    assert permit.form.term == Term(12, start, date(2028, 4, 1))
    assert refusal(fix_permit_term, permit, start, start) == [("TERM_ALREADY_FIXED", ())]
    term = extend_permit_term(permit, 6, date(2028, 4, 1))
    assert term.end_date_in_force == date(2028, 10, 1)
    assert refusal(extend_permit_term, permit, 6, date(2028, 4, 2)) == [("TERM_ENDED", ())]
    assert refusal(extend_permit_term, permit, 30, start) == [("TERM_TOO_LONG", ("months",))]


def test_point15_marks_in_order_with_grounds() -> None:
    """Point 15 (DESIGN Part B): a mark has grounds, a date between the issue (and the
    previous mark) and today, and moves the status."""
    today = date(2027, 6, 1)
    revoked = mark_permit(in_force(), Mark(MarkKind.REVOCATION, "решение"), today)
    assert revoked.status is PermitStatus.REVOKED
    assert revoked.form.special_marks == (SpecialMark(MarkKind.REVOCATION, today, "решение"),)
    early = Mark(MarkKind.RESTORATION, " ", date(2027, 5, 1))
    assert refusal(mark_permit, revoked, early, today) == [
        ("REQUIRED", ("grounds",)),
        ("MARK_OUT_OF_ORDER", ("date",)),
    ]
    annulled = mark_permit(in_force(), Mark(MarkKind.ANNULMENT, "g", ISSUED), ISSUED)
    assert annulled.status is PermitStatus.ANNULLED
    before = Mark(MarkKind.ANNULMENT, "g", date(2027, 3, 14))
    assert refusal(mark_permit, in_force(), before, today) == [("MARK_BEFORE_ISSUE", ("date",))]
