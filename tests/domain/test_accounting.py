"""Accounting, annulment, actualisation, the ledger and release decisions (Order 1907
p.3-4, p.7-13; DESIGN "The invariant")."""

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.accounting import (
    AutoDecision,
    AutoOutcome,
    DeclarationCase,
    Ground,
    LineFigures,
    Movement,
    Operation,
    accounting_blockers,
    accounting_required,
    auto_mode_decision,
    check_accounting,
    check_grounds_named,
    check_invariant,
    control_case,
    established_grounds,
    held,
    line_figures_after,
    must_account,
    plan_actualisation,
    plan_annulment,
    plan_correction,
    plan_release,
    plan_write_off,
    preview,
    refusal_grounds,
    release_blockers,
)
from domain.control import (
    Amount,
    DeclarationFacts,
    Discrepancy,
    DiscrepancyCode,
    LicenseFacts,
    LineFacts,
    LineKey,
    control_declaration,
    lines_of,
)
from domain.declarations import DeclarationKind, DeclarationStatus
from domain.ledger import (
    ChainBreak,
    LedgerEntry,
    append_to_ledger,
    ledger_entry_fields,
    ledger_entry_hash,
    next_ledger_entry,
    verify_chain,
    verify_ledger,
)
from domain.licenses import LicenseStatus
from domain.problems import Problem, RuleViolation
from tests.domain.test_control import (
    LICENSE,
    make_declaration,
    make_item,
    make_license,
    make_line,
)

D = Decimal
DECL = "10702070/050324/0000042"
NOW = datetime(2024, 3, 5, 11, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(hours=3)
WRITE_OFF, ANNULMENT, ACTUALISATION, RELEASE, LIMIT_CHANGE = (
    Operation.WRITE_OFF,
    Operation.ANNULMENT,
    Operation.ACTUALISATION,
    Operation.RELEASE,
    Operation.LIMIT_CHANGE,
)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def violation(call: Callable[..., object], *args: object) -> list[str]:
    with pytest.raises(RuleViolation) as caught:
        call(*args)
    return codes(caught.value.problems)


def lines(**changes: Any) -> dict[LineKey, LineFacts]:
    return lines_of({LICENSE: make_license(make_line(**changes))})


def move(
    op: Operation, quantity: str, item_no: int | None = 1, value: str | None = None
) -> Movement:
    return Movement(op, LICENSE, 1, D(quantity), None if value is None else D(value), DECL, item_no)


# --- p.7 ------------------------------------------------------------------------------------


def test_p7_transit_is_never_accounted() -> None:
    """Order 1907 p.7: never under customs transit (80)."""
    assert must_account("80", is_first_procedure=True, already_accounted_earlier=False) is False


def test_p7_only_the_first_procedure_is_accounted() -> None:
    """Order 1907 p.7: accounting under the first declared procedure only."""
    assert must_account("10", True, False) is True
    assert must_account("40", False, False) is False


def test_p7_goods_accounted_earlier_are_not_accounted_again() -> None:
    """Order 1907 p.7; DESIGN "Earlier accounting"."""
    assert must_account("40", True, already_accounted_earlier=True) is False


# --- p.7-8 write-off ------------------------------------------------------------------------


def test_p8_write_off_converts_exactly_to_the_line_unit() -> None:
    """Order 1907 p.8; DESIGN "Name and unit": 250 000 g is written off as 0.25 t,
    1.5 t as 1500 kg; no float involved."""
    in_tonnes = lines(unit="168", quantity_available=D("1"))
    plan = plan_write_off([make_item(quantity=D("250000"), unit="163")], in_tonnes, DECL)
    assert plan == [Movement(WRITE_OFF, LICENSE, 1, D("0.25"), None, DECL, 1)]
    assert str(plan[0].quantity) == "0.25"
    two_tonnes = lines(quantity_available=D("2000"))
    (kg,) = plan_write_off([make_item(quantity=D("1.5"), unit="168")], two_tonnes, DECL)
    assert str(kg.quantity) == "1500"


def test_p8_write_off_is_all_or_nothing() -> None:
    """Order 1907 p.8; DESIGN "a declaration ... is accounted all or nothing": items on
    one line add up; when they do not fit, nothing is written off."""
    items = [make_item(1, quantity=D("600")), make_item(2, quantity=D("0.5"), unit="168")]
    assert violation(plan_write_off, items, lines(), DECL) == ["QUANTITY_EXCEEDS_AVAILABLE"]
    plan = plan_write_off(items, lines(quantity_available=D("1100")), DECL)
    assert [(m.item_no, m.quantity) for m in plan] == [(1, D("600")), (2, D("500"))]


def test_p8_write_off_refuses_value_beyond_available_and_uncomparable() -> None:
    """Order 1907 p.8; DESIGN invariant for value."""
    limited = lines(value_limit=D("1000"), value_available=D("100.00"), currency="USD")
    dear = make_item(value=D("100.01"), currency="USD")
    assert violation(plan_write_off, [dear], limited, DECL) == ["VALUE_EXCEEDS_AVAILABLE"]
    (ok,) = plan_write_off([replace(dear, value=D("100.00"))], limited, DECL)
    assert ok.value == D("100.00")
    euro = replace(dear, currency="EUR")
    assert violation(plan_write_off, [euro], limited, DECL) == ["VALUE_NOT_COMPARABLE"]


def test_p8_write_off_refuses_unknown_line_unit_and_excess_precision() -> None:
    """Order 1907 p.8; DESIGN "Quantities carry at most 6 decimals"."""
    items = [
        make_item(1, line_no=9),
        make_item(2, unit="796"),
        make_item(3, quantity=D("0.5"), unit="163"),
    ]
    assert violation(plan_write_off, items, lines(unit="168"), DECL) == [
        "LINE_UNKNOWN",
        "UNIT_MISMATCH",
        "TOO_MANY_DECIMALS",
    ]


def test_p7_write_off_skips_items_accounted_earlier() -> None:
    """Order 1907 p.7: goods accounted under an earlier declaration are not written off."""
    items = [make_item(1), make_item(2, earlier_declaration="10702070/010324/0000007")]
    assert [m.item_no for m in plan_write_off(items, lines(), DECL)] == [1]


# --- p.4 annulment --------------------------------------------------------------------------


def test_p4_annulment_returns_exactly_what_was_written_off() -> None:
    """Order 1907 p.4: withdrawal or refusal annuls everything accounted by the
    declaration, as compensating entries."""
    entries = [move(WRITE_OFF, "100", 1, "50.00"), move(WRITE_OFF, "0.25", 2)]
    assert plan_annulment(entries) == [
        move(ANNULMENT, "100", 1, "50.00"),
        move(ANNULMENT, "0.25", 2),
    ]


def test_p4_annulment_never_returns_more_than_written_off() -> None:
    """Order 1907 p.4; DESIGN invariant: what is already annulled is not annulled again,
    and a second annulment plan is empty."""
    entries = [move(WRITE_OFF, "100"), move(ANNULMENT, "40")]
    plan = plan_annulment(entries)
    assert plan == [move(ANNULMENT, "60")]
    assert plan_annulment(entries + plan) == []
    assert plan_annulment([move(WRITE_OFF, "10"), move(ANNULMENT, "15")]) == []


def test_p4_released_goods_are_not_annulled() -> None:
    """Order 1907 p.4; DESIGN "Withdrawal only before release"."""
    entries = [move(WRITE_OFF, "100"), move(RELEASE, "100")]
    assert violation(plan_annulment, entries) == ["ALREADY_RELEASED"]


def test_p12_design_refusing_full_declaration_annuls_only_what_it_added() -> None:
    """DESIGN "Temporary declarations": what a full declaration added is taken back;
    what it returned is not taken again."""
    added = Movement(ACTUALISATION, LICENSE, 1, D("30"), D("3.00"), DECL)
    returned = Movement(ACTUALISATION, LICENSE, 2, D("-5"), None, DECL)
    assert plan_annulment([added, returned]) == [
        Movement(ACTUALISATION, LICENSE, 1, D("-30"), D("-3.00"), DECL)
    ]


def test_p8_p10_release_plan_covers_what_is_held() -> None:
    """Order 1907 p.8, p.10: release moves what the write-offs hold, once."""
    entries = [move(WRITE_OFF, "100", 1), move(WRITE_OFF, "7", 2), move(ANNULMENT, "7", 2)]
    plan = plan_release(entries)
    assert plan == [move(RELEASE, "100", 1)]
    assert plan_release(entries + plan) == []


# --- p.11-12 actualisation ------------------------------------------------------------------


def test_p12_actualisation_takes_more_when_full_is_larger() -> None:
    """Order 1907 p.11-12: the difference is taken from the licence."""
    temporary = {(LICENSE, 1): Amount(D("100"))}
    full = [make_item(1, quantity=D("80")), make_item(2, quantity=D("0.05"), unit="168")]
    assert plan_actualisation(temporary, full, lines(), DECL) == [
        Movement(ACTUALISATION, LICENSE, 1, D("30"), None, DECL)
    ]


def test_p12_actualisation_returns_when_full_is_smaller() -> None:
    """Order 1907 p.11-12: the difference is returned to the licence, also for a line
    the full declaration no longer names."""
    temporary = {(LICENSE, 1): Amount(D("100")), (LICENSE, 2): Amount(D("7"))}
    full = [make_item(1, quantity=D("90"))]
    assert plan_actualisation(temporary, full, lines(quantity_available=D("0")), DECL) == [
        Movement(ACTUALISATION, LICENSE, 1, D("-10"), None, DECL),
        Movement(ACTUALISATION, LICENSE, 2, D("-7"), None, DECL),
    ]


def test_p12_actualisation_equal_is_nothing_and_excess_is_refused() -> None:
    """Order 1907 p.8, p.12: no movement when equal; taking more must fit the line."""
    temporary = {(LICENSE, 1): Amount(D("100"))}
    assert plan_actualisation(temporary, [make_item()], lines(), DECL) == []
    full = [make_item(quantity=D("150"))]
    tight = lines(quantity_available=D("49.9"))
    assert violation(plan_actualisation, temporary, full, tight, DECL) == [
        "QUANTITY_EXCEEDS_AVAILABLE"
    ]


# --- the invariant --------------------------------------------------------------------------


def test_design_invariant_holds_for_every_movement() -> None:
    """DESIGN "The invariant": released <= accounted <= limit, for quantity and value."""
    figures = LineFigures()
    for m in [
        Movement(LIMIT_CHANGE, LICENSE, 1, D("100"), D("1000")),
        move(WRITE_OFF, "60", value="600"),
        move(RELEASE, "20", value="200"),
        move(ANNULMENT, "10", value="100"),
    ]:
        figures = line_figures_after(figures, m)
    assert figures == LineFigures(D("100"), D("50"), D("20"), D("1000"), D("500"), D("200"))
    assert check_invariant(figures) == []
    assert violation(line_figures_after, figures, move(WRITE_OFF, "50.000001")) == [
        "QUANTITY_EXCEEDS_AVAILABLE"
    ]
    assert violation(line_figures_after, figures, move(WRITE_OFF, "1", value="500.01")) == [
        "VALUE_EXCEEDS_AVAILABLE"
    ]
    assert violation(line_figures_after, figures, move(RELEASE, "30.5")) == [
        "RELEASED_EXCEEDS_ACCOUNTED"
    ]
    assert violation(line_figures_after, figures, move(ANNULMENT, "31")) == [
        "RELEASED_EXCEEDS_ACCOUNTED"
    ]
    assert violation(line_figures_after, figures, move(WRITE_OFF, "0")) == ["INVALID_MOVEMENT"]


def test_design_amendment_may_leave_an_excess_that_takes_no_new_accounting() -> None:
    """DESIGN "Authoritative amendments": a lower limit is stored, the excess shows, no
    new write-off is accepted, returns still are."""
    figures = LineFigures(D("100"), D("80"))
    lowered = line_figures_after(figures, Movement(LIMIT_CHANGE, LICENSE, 1, D("-30")))
    assert codes(check_invariant(lowered)) == ["ACCOUNTED_EXCEEDS_LIMIT"]
    assert violation(line_figures_after, lowered, move(WRITE_OFF, "1")) == [
        "QUANTITY_EXCEEDS_AVAILABLE"
    ]
    assert line_figures_after(lowered, move(ANNULMENT, "5")).accounted == D("75")
    assert line_figures_after(lowered, move(RELEASE, "5")).released == D("5")
    assert violation(line_figures_after, lowered, Movement(LIMIT_CHANGE, LICENSE, 1, D("-71"))) == [
        "NEGATIVE_LIMIT"
    ]


def test_p12_actualisation_moves_accounted_and_released_alike() -> None:
    """Order 1907 p.11-12: the temporary declarations' goods are exported (released);
    the full declaration's figures replace theirs."""
    figures = LineFigures(D("200"), D("100"), D("100"))
    smaller = line_figures_after(figures, Movement(ACTUALISATION, LICENSE, 1, D("-10")))
    assert (smaller.accounted, smaller.released) == (D("90"), D("90"))
    larger = line_figures_after(figures, Movement(ACTUALISATION, LICENSE, 1, D("100")))
    assert (larger.accounted, larger.released) == (D("200"), D("200"))
    assert violation(
        line_figures_after, figures, Movement(ACTUALISATION, LICENSE, 1, D("100.1"))
    ) == ["QUANTITY_EXCEEDS_AVAILABLE"]


# --- ledger hash chain (p.3) ----------------------------------------------------------------


def build_chain() -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    figures = LineFigures()
    for minute, m in enumerate(
        [
            Movement(LIMIT_CHANGE, LICENSE, 1, D("1000.000"), D("5000.00")),
            move(WRITE_OFF, "100.5", value="250.00"),
            move(WRITE_OFF, "0.25", 2),
            move(ANNULMENT, "0.25", 2),
            move(RELEASE, "100.5", value="250.00"),
        ]
    ):
        at = NOW + timedelta(minutes=minute, microseconds=123456)
        entries.append(next_ledger_entry(entries[-1] if entries else None, figures, at, m))
        figures = entries[-1].after
    return entries


def test_design_ledger_chain_verifies() -> None:
    """DESIGN: the ledger is hash-chained; running its movements gives its figures."""
    entries = build_chain()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].previous_hash is None
    assert all(b.previous_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[-1].after == LineFigures(
        D("1000"), D("100.5"), D("100.5"), D("5000"), D("250"), D("250")
    )
    assert verify_chain(entries) is None


def test_design_ledger_detects_a_tampered_entry() -> None:
    """DESIGN: tampering is detectable: an edited quantity breaks its own hash."""
    entries = build_chain()
    tampered = replace(entries[1], movement=replace(entries[1].movement, quantity=D("10.5")))
    broken = verify_chain([entries[0], tampered, *entries[2:]])
    assert broken is not None
    assert broken.seq == 2
    assert "hash" in broken.reason


def test_design_ledger_detects_rehashed_edit_deletion_and_reorder() -> None:
    """DESIGN: an edit with a recomputed hash breaks the next link; a deleted or moved
    entry breaks the sequence; figures that do not add up are caught too."""
    entries = build_chain()
    edited = replace(entries[1], movement=replace(entries[1].movement, quantity=D("10.5")))
    fields = ledger_entry_fields(edited.seq, edited.recorded_at, edited.movement, edited.after)
    rehashed = replace(edited, hash=ledger_entry_hash(edited.previous_hash, fields))
    broken = verify_chain([entries[0], rehashed, *entries[2:]])
    assert broken is not None
    assert broken.seq == 2
    assert "add up" in broken.reason
    broken = verify_chain([entries[0], *entries[2:]])
    assert broken is not None
    assert broken.seq == 3
    broken = verify_chain([entries[0], entries[2], entries[1], *entries[3:]])
    assert broken is not None
    assert broken.seq == 3


def test_design_ledger_hash_is_canonical() -> None:
    """DESIGN: keys sorted; decimals as their exact strings; datetimes in UTC ISO with
    the milliseconds BSON keeps (naive = UTC, as PyMongo returns them); no floats."""
    at = datetime(2024, 3, 5, 14, 0, 0, 123456, tzinfo=UTC)
    fields = {"quantity": D("1.50"), "at": at}
    assert ledger_entry_hash("x", fields) == ledger_entry_hash("x", dict(reversed(fields.items())))
    stored = {"at": datetime(2024, 3, 5, 14, 0, 0, 123000), "quantity": D("1.50")}
    assert ledger_entry_hash("x", stored) == ledger_entry_hash("x", fields)
    moscow = at.astimezone(datetime.now().astimezone().tzinfo)
    assert ledger_entry_hash("x", {**fields, "at": moscow}) == ledger_entry_hash("x", fields)
    assert ledger_entry_hash("x", {**fields, "quantity": D("1.5")}) != ledger_entry_hash(
        "x", fields
    )
    assert ledger_entry_hash("y", fields) != ledger_entry_hash("x", fields)
    assert len(ledger_entry_hash(None, fields)) == 64
    with pytest.raises(TypeError, match="float"):
        ledger_entry_hash(None, {"quantity": 1.5})


# --- p.8-10 release, p.9 refusal ------------------------------------------------------------


def discrepancies(**license_changes: Any) -> list[Discrepancy]:
    license = make_license(**license_changes)
    return control_declaration(make_declaration(), {LICENSE: license}, {})


def test_p10_release_waits_for_the_accounting_notification() -> None:
    """Order 1907 p.10: release only after the accounting notification."""
    kwargs = {"deadline": DEADLINE, "now": NOW}
    assert codes(
        release_blockers(
            DeclarationStatus.CONTROLLED,
            [],
            accounting_required=True,
            accounting_notified=False,
            **kwargs,
        )
    ) == ["ACCOUNTING_NOT_NOTIFIED"]
    assert (
        release_blockers(
            DeclarationStatus.ACCOUNTED,
            [],
            accounting_required=True,
            accounting_notified=True,
            **kwargs,
        )
        == []
    )
    assert (
        release_blockers(
            DeclarationStatus.CONTROLLED,
            [],
            accounting_required=False,
            accounting_notified=False,
            **kwargs,
        )
        == []
    )


def test_p8_p9_release_blocked_by_discrepancies_status_and_deadline() -> None:
    """Order 1907 p.6, p.8-9: affecting discrepancies (suspension included), a passed
    deadline or a closed declaration block release; a formal slip does not."""
    found = discrepancies(status=LicenseStatus.SUSPENDED)
    blockers = release_blockers(
        DeclarationStatus.RELEASED,
        found,
        accounting_required=True,
        accounting_notified=True,
        deadline=DEADLINE,
        now=DEADLINE,
    )
    assert codes(blockers) == ["DECLARATION_CLOSED", "LICENCE_SUSPENDED", "RELEASE_DEADLINE_PASSED"]
    slip = control_declaration(
        make_declaration(make_item(license_issued_on=NOW.date())), {LICENSE: make_license()}, {}
    )
    assert [d.code for d in slip] == [DiscrepancyCode.LICENCE_DATE_MISMATCH]
    assert (
        release_blockers(
            DeclarationStatus.ACCOUNTED,
            slip,
            accounting_required=True,
            accounting_notified=True,
            deadline=DEADLINE,
            now=NOW,
        )
        == []
    )


@pytest.mark.parametrize(
    ("changes", "ground"),
    [
        ({"status": LicenseStatus.SUSPENDED}, Ground.SUSPENSION),
        ({"status": LicenseStatus.TERMINATED}, Ground.TERMINATION),
        ({"exhausted": True}, Ground.EXHAUSTION),
        ({"lines": (make_line(quantity_available=D("1")),)}, Ground.EXHAUSTION),
    ],
)
def test_p9_grounds_at_once(changes: dict[str, Any], ground: Ground) -> None:
    """Order 1907 p.9: exhaustion (message or quantity not enough), suspension and
    termination are grounds before the deadline; each refusal names its ground."""
    (found,) = refusal_grounds(discrepancies(**changes), deadline=DEADLINE, now=NOW)
    assert found.code is ground
    assert found.item_nos == (1,)
    assert found.message.startswith("Order 1907 p.9:")


def test_p9_unfixed_discrepancies_become_a_ground_at_the_deadline() -> None:
    """Order 1907 p.9; DESIGN "Release deadline": fixable discrepancies are a ground only
    when the deadline passes unfixed; a formal slip never is."""
    found = control_declaration(
        make_declaration(
            make_item(1, name="Трубы медные"), make_item(2, license_issued_on=NOW.date())
        ),
        {LICENSE: make_license()},
        {},
    )
    assert refusal_grounds(found, deadline=DEADLINE, now=NOW) == []
    (ground,) = refusal_grounds(found, deadline=DEADLINE, now=DEADLINE)
    assert ground.code is Ground.UNFIXED_DISCREPANCIES
    assert ground.item_nos == (1,)


def test_p9_several_grounds_are_all_named() -> None:
    """Order 1907 p.9: each refusal names its ground(s)."""
    found = discrepancies(status=LicenseStatus.TERMINATED, exhausted=True)
    grounds = refusal_grounds(found, deadline=DEADLINE, now=NOW)
    assert [g.code for g in grounds] == [Ground.EXHAUSTION, Ground.TERMINATION]


# --- p.13 automatic mode --------------------------------------------------------------------


def auto(
    declaration: DeclarationFacts | None = None,
    now: datetime = NOW,
    licenses: dict[str, LicenseFacts] | None = None,
    temporary_totals: dict[LineKey, Amount] | None = None,
) -> AutoDecision:
    return auto_mode_decision(
        declaration or make_declaration(),
        licenses or {LICENSE: make_license()},
        {},
        deadline=DEADLINE,
        now=now,
        temporary_totals=temporary_totals,
    )


def test_p13_auto_mode_releases_when_every_check_passes() -> None:
    """Order 1907 p.13: control, accounting, release decision with no officer, traced."""
    decision = auto()
    assert decision.outcome is AutoOutcome.RELEASE
    assert decision.movements == [Movement(WRITE_OFF, LICENSE, 1, D("100"), None, DECL, 1)]
    assert [(s.step, s.passed) for s in decision.trace] == [
        ("CONTROL", True),
        ("DEADLINE", True),
        ("ACCOUNTING", True),
        ("DECISION", True),
    ]
    assert "notification" in decision.trace[-1].detail


def test_p13_design_auto_mode_hands_over_and_never_refuses() -> None:
    """DESIGN "Automatic mode": a discrepancy hands the declaration to an officer with
    its trace and the grounds found; it never refuses by itself."""
    suspended = {LICENSE: make_license(status=LicenseStatus.SUSPENDED)}
    decision = auto(licenses=suspended)
    assert decision.outcome is AutoOutcome.HAND_TO_OFFICER
    assert decision.movements == []
    assert [(s.step, s.passed) for s in decision.trace] == [("CONTROL", False), ("DECISION", False)]
    assert "LICENCE_SUSPENDED" in decision.trace[0].detail
    assert [g.code for g in decision.grounds] == [Ground.SUSPENSION]


def test_p13_auto_mode_hands_over_after_the_deadline() -> None:
    """Order 1907 p.9, p.13: past the deadline the decision is an officer's."""
    decision = auto(now=DEADLINE)
    assert decision.outcome is AutoOutcome.HAND_TO_OFFICER
    assert [(s.step, s.passed) for s in decision.trace][-2:] == [
        ("DEADLINE", False),
        ("DECISION", False),
    ]


def test_p7_p13_auto_mode_releases_transit_without_accounting() -> None:
    """Order 1907 p.7, p.13: transit is released with no write-off."""
    decision = auto(make_declaration(procedure="80"))
    assert decision.outcome is AutoOutcome.RELEASE
    assert decision.movements == []
    assert "not accounted" in decision.trace[2].detail


def test_p13_auto_mode_hands_over_when_accounting_cannot_proceed() -> None:
    """DESIGN "Quantities carry at most 6 decimals": an item that cannot be written off
    exactly is handed to an officer."""
    tonnes = {LICENSE: make_license(make_line(unit="168"))}
    decision = auto(make_declaration(make_item(quantity=D("0.5"), unit="163")), licenses=tonnes)
    assert decision.outcome is AutoOutcome.HAND_TO_OFFICER
    assert decision.trace[2].step == "ACCOUNTING"
    assert "decimals" in decision.trace[2].detail


def test_p12_p13_auto_mode_actualises_a_full_declaration() -> None:
    """Order 1907 p.11-13: the full declaration's difference to its temporary ones."""
    license = make_license(make_line(quantity_accounted=D("950"), quantity_available=D("50")))
    full = make_declaration(make_item(quantity=D("120")), kind=DeclarationKind.FULL)
    decision = auto(
        full, licenses={LICENSE: license}, temporary_totals={(LICENSE, 1): Amount(D("100"))}
    )
    assert decision.outcome is AutoOutcome.RELEASE
    assert decision.movements == [Movement(ACTUALISATION, LICENSE, 1, D("20"), None, DECL)]
    with pytest.raises(ValueError, match="temporary"):
        auto(full, licenses={LICENSE: license})


# --- one declaration's case (p.4-12; DESIGN "Corrections") ----------------------------------


def case(*own: Movement, **license_changes: Any) -> DeclarationCase:
    declaration = make_declaration(number=DECL)
    return DeclarationCase(declaration, {LICENSE: make_license(**license_changes)}, own)


def test_design_a_declaration_sees_again_what_it_holds() -> None:
    """DESIGN "Corrections": controlled again, a declaration's own write-offs are
    available to it (the line's 900 plus its 100)."""
    line = make_line(quantity_accounted=D("1000"), quantity_available=D("0"))
    own = [move(WRITE_OFF, "100"), move(WRITE_OFF, "30"), move(ANNULMENT, "30")]
    assert held(own) == {(LICENSE, 1): Amount(D("100"))}
    assert [d.code for d in control_case(case(*own, lines=[line]))] == []
    assert [d.code for d in control_case(case(lines=[line]))] == [
        DiscrepancyCode.QUANTITY_EXCEEDS_AVAILABLE
    ]


def test_design_correcting_an_accounted_declaration_annuls_and_writes_off_again() -> None:
    line = make_line(quantity_accounted=D("1000"), quantity_available=D("0"))
    plan = plan_correction(case(move(WRITE_OFF, "100"), lines=[line]))
    assert plan == [move(ANNULMENT, "100"), move(WRITE_OFF, "100")]


def test_p6_p7_accounting_once_after_control_when_p7_asks() -> None:
    declaration = make_declaration()
    S = DeclarationStatus
    assert check_accounting(S.CONTROLLED, declaration) == []
    assert codes(check_accounting(S.REGISTERED, declaration)) == ["NOT_CONTROLLED"]
    assert codes(check_accounting(S.ACCOUNTED, declaration)) == ["ALREADY_ACCOUNTED"]
    assert codes(check_accounting(S.RELEASED, declaration)) == ["DECLARATION_CLOSED"]
    transit = replace(declaration, procedure="80")
    assert codes(check_accounting(S.CONTROLLED, transit)) == ["ACCOUNTING_NOT_REQUIRED"]
    assert accounting_required(declaration)
    assert not accounting_required(transit)
    found = discrepancies(status=LicenseStatus.SUSPENDED)
    assert [(p.code, p.field) for p in accounting_blockers(found)] == [
        ("LICENCE_SUSPENDED", ("items", 0))
    ]


def test_p6_p8_preview_reports_what_accounting_would_do() -> None:
    clean = preview(case())
    assert (clean.discrepancies, clean.accounting_required) == ([], True)
    assert clean.movements == [move(WRITE_OFF, "100")]
    short = preview(case(lines=[make_line(quantity_available=D("1"))]))
    assert (short.movements, codes(short.accounting_problems)) == (
        [],
        ["QUANTITY_EXCEEDS_AVAILABLE"],
    )


def test_p9_an_officer_refuses_only_on_grounds_established_now() -> None:
    found = refusal_grounds(
        discrepancies(status=LicenseStatus.SUSPENDED), deadline=DEADLINE, now=NOW
    )
    assert [g.code for g in established_grounds([Ground.SUSPENSION], found)] == [Ground.SUSPENSION]
    with pytest.raises(RuleViolation) as caught:
        established_grounds([Ground.SUSPENSION, Ground.EXHAUSTION], found)
    assert codes(caught.value.problems) == ["GROUND_NOT_ESTABLISHED"]
    assert codes(check_grounds_named([])) == ["REQUIRED"]


def test_design_the_ledger_head_and_stored_figures_verify() -> None:
    """DESIGN "The invariant": appended entries chain on; the head and every stored
    line's figures are the ledger's."""
    entries = build_chain()
    more = append_to_ledger(
        LICENSE,
        {1: entries[-1].after},
        entries[-1].seq,
        entries[-1].hash,
        [move(WRITE_OFF, "1")],
        NOW,
    )
    chain = [*entries, *more]
    head = (chain[-1].seq, chain[-1].hash)
    assert verify_ledger(chain, head, {1: chain[-1].after}) is None
    assert verify_ledger(chain, (1, "x"), {}) == ChainBreak(None, "ledger head does not match")
    broken = verify_ledger(chain, head, {1: LineFigures()})
    assert broken is not None
    assert broken.reason.startswith("line 1: stored figures")
    assert violation(append_to_ledger, LICENSE, {}, 0, None, [move(WRITE_OFF, "1")], NOW) == [
        "LINE_UNKNOWN"
    ]
