"""Accounting of licensed goods: write-off, annulment, actualisation, release decisions
and the automatic mode (Order 1907 p.4, p.7-13; DESIGN "The invariant"); the ledger that
records every movement is :mod:`domain.ledger`.

Figures move only by ``Movement``s; ``line_figures_after`` applies one to a line's
figures and refuses any that would break ``released <= accounted <= limit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.control import (
    Amount,
    DeclarationFacts,
    Discrepancy,
    DiscrepancyCode,
    EarlierAccounting,
    ItemFacts,
    LicenseFacts,
    LineFacts,
    LineKey,
    control_declaration,
    item_amount_in_line_unit,
    licenses_with_held,
    lines_of,
)
from domain.declarations import (
    TRANSIT_PROCEDURE,
    DeclarationKind,
    DeclarationStatus,
    check_transition,
    deadline_passed,
)
from domain.numbers import QUANTITY_DECIMALS, decimals_of
from domain.problems import Problem, RuleViolation

_ZERO = Decimal(0)


class Operation(StrEnum):
    """What a ledger entry does to its line's figures."""

    LIMIT_CHANGE = "LIMIT_CHANGE"
    """limit += quantity (value limit += value): licence registered or amended (p.2-3)."""
    WRITE_OFF = "WRITE_OFF"
    """accounted += quantity (Order 1907 p.7)."""
    ANNULMENT = "ANNULMENT"
    """accounted -= quantity: compensating entry (Order 1907 p.4)."""
    ACTUALISATION = "ACTUALISATION"
    """accounted and released += quantity, signed (Order 1907 p.11-12: the temporary
    declarations' goods are exported, i.e. released, when the full one is registered)."""
    RELEASE = "RELEASE"
    """released += quantity (Order 1907 p.8, p.10)."""


@dataclass(frozen=True, slots=True)
class Movement:
    """One change of one licence line's figures, in the line's unit and currency."""

    operation: Operation
    license_number: str
    line_no: int
    quantity: Decimal
    value: Decimal | None = None
    declaration_number: str | None = None
    item_no: int | None = None


@dataclass(frozen=True, slots=True)
class LineFigures:
    """A licence line's running figures (DESIGN "The invariant")."""

    limit: Decimal = _ZERO
    accounted: Decimal = _ZERO
    released: Decimal = _ZERO
    value_limit: Decimal | None = None
    value_accounted: Decimal = _ZERO
    value_released: Decimal = _ZERO

    @property
    def available(self) -> Decimal:
        return self.limit - self.accounted


# --- p.7: whether to account --------------------------------------------------------------


def must_account(procedure: str, is_first_procedure: bool, already_accounted_earlier: bool) -> bool:
    """Order 1907 p.7: goods are accounted under the first declared customs procedure
    (transit aside: ``is_first_procedure`` means the first one other than transit), never
    under customs transit (80), and never again when already accounted under an earlier
    declaration."""
    return procedure != TRANSIT_PROCEDURE and is_first_procedure and not already_accounted_earlier


# --- planning write-offs, annulments, actualisation, release ------------------------------


def _amounts(
    items: Sequence[ItemFacts], lines: Mapping[LineKey, LineFacts]
) -> tuple[list[tuple[ItemFacts, Amount]], list[Problem]]:
    """Each item's amount in its line's unit and currency, or the problems."""
    amounts: list[tuple[ItemFacts, Amount]] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        field = ("items", index)
        line = lines.get(item.line_key)
        if line is None:
            problems.append(
                Problem(
                    "LINE_UNKNOWN",
                    f"item {item.item_no}: licence {item.license_number} has no line "
                    f"{item.line_no} under electronic control",
                    field,
                )
            )
            continue
        amount = item_amount_in_line_unit(item, line)
        if amount is None:
            problems.append(
                Problem(
                    "UNIT_MISMATCH",
                    f"item {item.item_no}: unit {item.unit} does not convert to {line.unit}",
                    (*field, "unit"),
                )
            )
            continue
        if decimals_of(amount.quantity) > QUANTITY_DECIMALS:
            problems.append(
                Problem(
                    "TOO_MANY_DECIMALS",
                    f"item {item.item_no}: {amount.quantity} in unit {line.unit} has more than "
                    f"{QUANTITY_DECIMALS} decimals",
                    (*field, "quantity"),
                )
            )
        if line.value_limit is not None and amount.value is None:
            problems.append(
                Problem(
                    "VALUE_NOT_COMPARABLE",
                    f"item {item.item_no}: line {line.line_no} has a value limit in "
                    f"{line.currency}; the item states none in it",
                    (*field, "value"),
                )
            )
        amounts.append((item, amount))
    return amounts, problems


def _fits(key: LineKey, take: Amount, line: LineFacts) -> list[Problem]:
    """Order 1907 p.8: taking ``take`` off the line stays within what is available."""
    problems = []
    if take.quantity > line.quantity_available:
        problems.append(
            Problem(
                "QUANTITY_EXCEEDS_AVAILABLE",
                f"line {key[1]} of licence {key[0]}: {take.quantity} needed, "
                f"{line.quantity_available} available (unit {line.unit})",
            )
        )
    if line.value_available is not None and (take.value or _ZERO) > line.value_available:
        problems.append(
            Problem(
                "VALUE_EXCEEDS_AVAILABLE",
                f"line {key[1]} of licence {key[0]}: {take.value} {line.currency} needed, "
                f"{line.value_available} available",
            )
        )
    return problems


def plan_write_off(
    items: Sequence[ItemFacts], lines: Mapping[LineKey, LineFacts], declaration_number: str
) -> list[Movement]:
    """Order 1907 p.7-8: one WRITE_OFF per item in its line's unit (converted exactly)
    and currency; items citing an earlier declaration are skipped (p.7).  All or nothing:
    raises ``RuleViolation`` when any item cannot be written off or any line's available
    quantity or value is not enough for the items on it together."""
    new = [item for item in items if item.earlier_declaration is None]
    amounts, problems = _amounts(new, lines)
    totals: dict[LineKey, Amount] = {}
    for item, amount in amounts:
        totals[item.line_key] = totals.get(item.line_key, Amount(_ZERO)).plus(amount)
    for key, total in totals.items():
        problems += _fits(key, total, lines[key])
    if problems:
        raise RuleViolation(problems)
    return [
        Movement(
            Operation.WRITE_OFF,
            item.license_number,
            item.line_no,
            amount.quantity,
            amount.value,
            declaration_number,
            item.item_no,
        )
        for item, amount in amounts
    ]


_Key = tuple[str | None, int | None, str, int]


def _key(m: Movement) -> _Key:
    return (m.declaration_number, m.item_no, m.license_number, m.line_no)


def _net(movements: Iterable[Movement], signs: Mapping[Operation, int]) -> dict[_Key, Amount]:
    net: dict[_Key, Amount] = {}
    for m in movements:
        sign = signs.get(m.operation)
        if sign is None:
            continue
        value = None if m.value is None else sign * m.value
        net[_key(m)] = net.get(_key(m), Amount(_ZERO)).plus(Amount(sign * m.quantity, value))
    return net


def _movement(op: Operation, key: _Key, quantity: Decimal, value: Decimal | None) -> Movement:
    return Movement(op, key[2], key[3], quantity, value, key[0], key[1])


def plan_annulment(movements: Iterable[Movement]) -> list[Movement]:
    """Order 1907 p.4: on withdrawal or refusal, compensating entries that return
    exactly what the declaration's movements wrote off and did not yet annul, never more:
    ANNULMENT for write-offs, a negative ACTUALISATION for what a full declaration added
    (DESIGN "Temporary declarations": what it returned is not taken back).  Raises
    ``RuleViolation`` when goods written off were already released."""
    movements = list(movements)
    written = _net(movements, {Operation.WRITE_OFF: 1, Operation.ANNULMENT: -1})
    released = _net(movements, {Operation.RELEASE: 1})
    added = _net(movements, {Operation.ACTUALISATION: 1})
    problems = [
        Problem(
            "ALREADY_RELEASED",
            f"item {key[1]} of declaration {key[0]} was released; its accounting stays",
        )
        for key, amount in released.items()
        if amount.quantity > 0
    ]
    if problems:
        raise RuleViolation(problems)
    plan = [
        _movement(Operation.ANNULMENT, key, net.quantity, net.value)
        for key, net in written.items()
        if net.quantity > 0
    ]
    plan += [
        _movement(
            Operation.ACTUALISATION, key, -net.quantity, None if net.value is None else -net.value
        )
        for key, net in added.items()
        if net.quantity > 0
    ]
    return plan


def plan_release(movements: Iterable[Movement]) -> list[Movement]:
    """Order 1907 p.8, p.10: RELEASE of what the declaration's write-offs hold and is not
    yet released (ACTUALISATION already counts as released, p.11-12)."""
    signs = {Operation.WRITE_OFF: 1, Operation.ANNULMENT: -1, Operation.RELEASE: -1}
    return [
        _movement(Operation.RELEASE, key, net.quantity, net.value)
        for key, net in _net(movements, signs).items()
        if net.quantity > 0
    ]


def plan_actualisation(
    temporary_totals: Mapping[LineKey, Amount],
    full_items: Sequence[ItemFacts],
    lines: Mapping[LineKey, LineFacts],
    declaration_number: str,
) -> list[Movement]:
    """Order 1907 p.11-12: per licence line, the full declaration's quantity (and value)
    minus what its temporary declarations accounted: positive is taken from the licence,
    negative returned to it (one ACTUALISATION per line that differs).  Raises
    ``RuleViolation`` when what is taken does not fit the line (p.8)."""
    amounts, problems = _amounts(full_items, lines)
    full: dict[LineKey, Amount] = {}
    for item, amount in amounts:
        full[item.line_key] = full.get(item.line_key, Amount(_ZERO)).plus(amount)
    plan = []
    for key in sorted(set(full) | set(temporary_totals)):
        after, before = full.get(key, Amount(_ZERO)), temporary_totals.get(key, Amount(_ZERO))
        quantity = after.quantity - before.quantity
        value = None
        if after.value is not None or before.value is not None:
            value = (after.value or _ZERO) - (before.value or _ZERO)
        if quantity == 0 and not value:
            continue
        take = Amount(max(quantity, _ZERO), None if value is None else max(value, _ZERO))
        if key in lines:
            problems += _fits(key, take, lines[key])
        plan.append(
            Movement(Operation.ACTUALISATION, key[0], key[1], quantity, value, declaration_number)
        )
    if problems:
        raise RuleViolation(problems)
    return plan


# --- the invariant ------------------------------------------------------------------------


def check_invariant(figures: LineFigures) -> list[Problem]:
    """DESIGN "The invariant": 0 <= released <= accounted <= limit, and the same for value
    where the line has a value limit.  ACCOUNTED_EXCEEDS_LIMIT alone is the excess an
    authoritative amendment may leave (DESIGN "Authoritative amendments")."""
    checks = [(figures.limit, figures.accounted, figures.released, "")]
    if figures.value_limit is not None:
        checks.append(
            (figures.value_limit, figures.value_accounted, figures.value_released, "VALUE_")
        )
    problems = []
    for limit, accounted, released, prefix in checks:
        if released < 0:
            problems.append(Problem(f"{prefix}NEGATIVE_FIGURE", f"released is {released}"))
        if released > accounted:
            problems.append(
                Problem(
                    f"{prefix}RELEASED_EXCEEDS_ACCOUNTED",
                    f"released {released} exceeds accounted {accounted}",
                )
            )
        if accounted > limit:
            problems.append(
                Problem(
                    f"{prefix}ACCOUNTED_EXCEEDS_LIMIT",
                    f"accounted {accounted} exceeds the limit {limit}",
                )
            )
    return problems


def line_figures_after(figures: LineFigures, movement: Movement) -> LineFigures:
    """The line's figures after ``movement`` (DESIGN "The invariant").  Raises
    ``RuleViolation`` when it would take more than the limit in force, release more than
    is accounted, or return more than is left; a LIMIT_CHANGE may leave an excess."""
    f, m, op = figures, movement, movement.operation
    value = m.value if m.value is not None else _ZERO
    if op is Operation.LIMIT_CHANGE:
        value_limit = f.value_limit if m.value is None else (f.value_limit or _ZERO) + m.value
        after = replace(f, limit=f.limit + m.quantity, value_limit=value_limit)
        if after.limit < 0 or (after.value_limit or _ZERO) < 0:
            raise RuleViolation([Problem("NEGATIVE_LIMIT", f"a limit cannot go below zero: {m}")])
        return after
    if op is not Operation.ACTUALISATION and (m.quantity <= 0 or value < 0):
        raise RuleViolation(
            [Problem("INVALID_MOVEMENT", f"a {op.value} moves a positive quantity: {m}")]
        )
    # how many times the quantity moves accounted and released
    to_accounted = {Operation.ANNULMENT: -1, Operation.RELEASE: 0}.get(op, 1)
    to_released = 1 if op in (Operation.RELEASE, Operation.ACTUALISATION) else 0
    after = replace(
        f,
        accounted=f.accounted + to_accounted * m.quantity,
        released=f.released + to_released * m.quantity,
        value_accounted=f.value_accounted + to_accounted * value,
        value_released=f.value_released + to_released * value,
    )
    problems = []
    if to_accounted * m.quantity > 0 and after.accounted > after.limit:
        problems.append(
            Problem(
                "QUANTITY_EXCEEDS_AVAILABLE",
                f"line {m.line_no}: {m.quantity} needed, {f.available} available",
            )
        )
    if (
        to_accounted * value > 0
        and f.value_limit is not None
        and after.value_accounted > f.value_limit
    ):
        problems.append(
            Problem(
                "VALUE_EXCEEDS_AVAILABLE",
                f"line {m.line_no}: {value} needed, {f.value_limit - f.value_accounted} available",
            )
        )
    # an excess left by an authoritative amendment stays allowed for other movements
    problems += [
        p for p in check_invariant(after) if not p.code.endswith("ACCOUNTED_EXCEEDS_LIMIT")
    ]
    if problems:
        raise RuleViolation(problems)
    return after


# --- release decisions (p.8-10) -----------------------------------------------------------


def release_blockers(
    status: DeclarationStatus,
    discrepancies: Sequence[Discrepancy],
    *,
    accounting_required: bool,
    accounting_notified: bool,
    deadline: datetime,
    now: datetime,
) -> list[Problem]:
    """Why the goods cannot be released now, empty when they can: the lifecycle; no
    accounting notification yet (Order 1907 p.10); every discrepancy that affects
    prohibitions and restrictions, suspension and termination included (p.6, p.8-9);
    the release deadline passed (p.9)."""
    problems = check_transition(status, DeclarationStatus.RELEASED)
    if accounting_required and not accounting_notified:
        problems.append(
            Problem(
                "ACCOUNTING_NOT_NOTIFIED",
                "goods are released only after the accounting notification (Order 1907 p.10)",
            )
        )
    problems += [
        Problem(d.code.value, f"item {d.item_no}: {d.message}")
        for d in discrepancies
        if d.affects_restrictions
    ]
    if deadline_passed(deadline, now):
        problems.append(
            Problem("RELEASE_DEADLINE_PASSED", f"the release deadline {deadline} has passed")
        )
    return problems


class Ground(StrEnum):
    """Refusal grounds of Order 1907 p.9 (Customs Code art. 125(1)(9))."""

    EXHAUSTION = "EXHAUSTION"
    SUSPENSION = "SUSPENSION"
    TERMINATION = "TERMINATION"
    UNFIXED_DISCREPANCIES = "UNFIXED_DISCREPANCIES"
    PERMIT_NOT_IN_FORCE = "PERMIT_NOT_IN_FORCE"
    PERMIT_TERM_ENDED = "PERMIT_TERM_ENDED"


_GROUND_OF = {
    DiscrepancyCode.LICENCE_EXHAUSTED: Ground.EXHAUSTION,
    DiscrepancyCode.QUANTITY_EXCEEDS_AVAILABLE: Ground.EXHAUSTION,
    DiscrepancyCode.VALUE_EXCEEDS_AVAILABLE: Ground.EXHAUSTION,
    DiscrepancyCode.LICENCE_SUSPENDED: Ground.SUSPENSION,
    DiscrepancyCode.LICENCE_TERMINATED: Ground.TERMINATION,
    DiscrepancyCode.PERMIT_NOT_IN_FORCE: Ground.PERMIT_NOT_IN_FORCE,
    DiscrepancyCode.PERMIT_TERM_ENDED: Ground.PERMIT_TERM_ENDED,
}
_GROUND_TEXT = {
    Ground.EXHAUSTION: "the licence's quantity or value is exhausted",
    Ground.SUSPENSION: "the licence is suspended",
    Ground.TERMINATION: "the licence is terminated",
    Ground.PERMIT_NOT_IN_FORCE: "the processing permit cited is not in force",
    Ground.PERMIT_TERM_ENDED: "the processing permit's term has ended (Permit rules p.9)",
    Ground.UNFIXED_DISCREPANCIES: "discrepancies affecting prohibitions and restrictions "
    "were not fixed by the release deadline",
}


@dataclass(frozen=True, slots=True)
class RefusalGround:
    """One ground for refusing release, with the items it concerns."""

    code: Ground
    message: str
    item_nos: tuple[int, ...]


def refusal_grounds(
    discrepancies: Sequence[Discrepancy], *, deadline: datetime, now: datetime
) -> list[RefusalGround]:
    """Order 1907 p.9: exhaustion (feed message, or the line's quantity or value not
    enough), suspension and termination are grounds at once; other discrepancies that
    affect prohibitions and restrictions become the ground UNFIXED_DISCREPANCIES when
    the release deadline passes with them (DESIGN "Release deadline")."""
    passed = deadline_passed(deadline, now)
    found: dict[Ground, list[Discrepancy]] = {}
    for d in discrepancies:
        ground = _GROUND_OF.get(d.code)
        if ground is None and d.affects_restrictions and passed:
            ground = Ground.UNFIXED_DISCREPANCIES
        if ground is not None:
            found.setdefault(ground, []).append(d)
    return [
        RefusalGround(
            ground,
            f"Order 1907 p.9: {_GROUND_TEXT[ground]} ("
            + "; ".join(f"item {d.item_no}: {d.message}" for d in found[ground])
            + ")",
            tuple(sorted({d.item_no for d in found[ground]})),
        )
        for ground in Ground
        if ground in found
    ]


# --- automatic mode (p.13) ----------------------------------------------------------------


class AutoOutcome(StrEnum):
    """DESIGN "Automatic mode": it releases or hands over; it never refuses."""

    RELEASE = "RELEASE"
    HAND_TO_OFFICER = "HAND_TO_OFFICER"


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of the automatic mode's trace (Order 1907 p.13)."""

    step: str
    point: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class AutoDecision:
    """The automatic mode's outcome, the movements to record before release (their
    accounting notification is what allows it, p.10), its trace, and for an officer the
    refusal grounds found (p.9)."""

    outcome: AutoOutcome
    movements: list[Movement]
    trace: list[TraceStep]
    grounds: list[RefusalGround]


def auto_mode_decision(
    declaration: DeclarationFacts,
    licenses_by_number: Mapping[str, LicenseFacts],
    earlier_accountings: Mapping[str, EarlierAccounting],
    *,
    deadline: datetime,
    now: datetime,
    is_first_procedure: bool = True,
    temporary_totals: Mapping[LineKey, Amount] | None = None,
) -> AutoDecision:
    """Order 1907 p.13: control (p.6) -> deadline (p.9) -> accounting (p.7-8, p.11-12) ->
    release decision (p.10), with no officer.  DESIGN: releases when every step passes,
    otherwise hands the declaration to an officer with the trace; never refuses.  A full
    declaration needs ``temporary_totals``: what its temporary declarations accounted."""
    if declaration.kind is DeclarationKind.FULL and temporary_totals is None:
        raise ValueError("a full declaration is decided with its temporary declarations' totals")
    licenses = licenses_with_held(licenses_by_number, temporary_totals or {})
    trace: list[TraceStep] = []

    def hand_over(discrepancies: Sequence[Discrepancy]) -> AutoDecision:
        grounds = refusal_grounds(discrepancies, deadline=deadline, now=now)
        named = ", ".join(g.code.value for g in grounds) or "none"
        trace.append(
            TraceStep(
                "DECISION",
                "Order 1907 p.13; DESIGN",
                False,
                f"handed to an officer; refusal grounds found: {named}",
            )
        )
        return AutoDecision(AutoOutcome.HAND_TO_OFFICER, [], trace, grounds)

    discrepancies = control_declaration(declaration, licenses, earlier_accountings)
    affecting = [d for d in discrepancies if d.affects_restrictions]
    listed = "; ".join(f"item {d.item_no}: {d.code.value}" for d in discrepancies)
    trace.append(
        TraceStep("CONTROL", "Order 1907 p.6", not affecting, listed or "no discrepancies")
    )
    if affecting:
        return hand_over(discrepancies)

    passed = deadline_passed(deadline, now)
    trace.append(
        TraceStep("DEADLINE", "Order 1907 p.9", not passed, f"release deadline {deadline}")
    )
    if passed:
        return hand_over(discrepancies)

    movements: list[Movement] = []
    if not must_account(declaration.procedure, is_first_procedure, False):
        detail = f"not accounted under procedure {declaration.procedure} (p.7)"
    else:
        try:
            if declaration.kind is DeclarationKind.FULL:
                movements = plan_actualisation(
                    temporary_totals or {},
                    declaration.items,
                    lines_of(licenses_by_number),
                    declaration.number,
                )
            else:
                movements = plan_write_off(
                    declaration.items, lines_of(licenses), declaration.number
                )
        except RuleViolation as exc:
            trace.append(TraceStep("ACCOUNTING", "Order 1907 p.7-8", False, str(exc)))
            return hand_over(discrepancies)
        skipped = [i.item_no for i in declaration.items if i.earlier_declaration is not None]
        detail = f"{len(movements)} movement(s) to record"
        if skipped:
            detail += f"; items {skipped} were accounted under earlier declarations"
    trace.append(TraceStep("ACCOUNTING", "Order 1907 p.7-8, p.11-12", True, detail))
    trace.append(
        TraceStep(
            "DECISION",
            "Order 1907 p.10, p.13",
            True,
            "release once the accounting notification is recorded" if movements else "release",
        )
    )
    return AutoDecision(AutoOutcome.RELEASE, movements, trace, [])


# --- one declaration's case (p.4-12) ------------------------------------------------------


def held(movements: Iterable[Movement]) -> dict[LineKey, Amount]:
    """What movements hold on each line: write-offs and actualisations less annulments."""
    signs = {Operation.WRITE_OFF: 1, Operation.ACTUALISATION: 1, Operation.ANNULMENT: -1}
    totals: dict[LineKey, Amount] = {}
    for m in movements:
        sign = signs.get(m.operation)
        if sign is None:
            continue
        key = (m.license_number, m.line_no)
        value = None if m.value is None else sign * m.value
        totals[key] = totals.get(key, Amount(_ZERO)).plus(Amount(sign * m.quantity, value))
    return totals


@dataclass(frozen=True, slots=True)
class DeclarationCase:
    """Everything the rules know of one declaration at one moment: the declaration, the
    licences its items cite (a processing permit's table 3 seen as one, DESIGN Part B),
    what it has moved so far, the earlier declarations its items cite (p.7) and, for a
    full declaration, what its temporary ones accounted (p.12)."""

    declaration: DeclarationFacts
    licenses: Mapping[str, LicenseFacts]
    own: Sequence[Movement] = ()
    earlier: Mapping[str, EarlierAccounting] = field(default_factory=dict)
    temporary_totals: Mapping[LineKey, Amount] | None = None


def held_licenses(case: DeclarationCase) -> dict[str, LicenseFacts]:
    """The licences as the declaration sees them: what it (and for a full declaration,
    its temporary ones) already holds is available to it again (p.12, DESIGN
    "Corrections")."""
    holding = held(case.own)
    for key, amount in (case.temporary_totals or {}).items():
        holding[key] = holding.get(key, Amount(_ZERO)).plus(amount)
    return licenses_with_held(case.licenses, holding)


def control_case(case: DeclarationCase) -> list[Discrepancy]:
    """Order 1907 p.6-8 control of the declaration as it stands (``held_licenses``)."""
    return control_declaration(case.declaration, held_licenses(case), case.earlier)


def accounting_required(declaration: DeclarationFacts) -> bool:
    """Order 1907 p.7 for a declaration as a whole: not when every item was accounted
    under an earlier declaration (``must_account``)."""
    all_earlier = all(item.earlier_declaration for item in declaration.items)
    return must_account(declaration.procedure, declaration.first_procedure, all_earlier)


def check_accounting(status: DeclarationStatus, declaration: DeclarationFacts) -> list[Problem]:
    """Order 1907 p.6-7: a declaration is accounted once, after control, when p.7 asks
    for it."""
    if status is DeclarationStatus.REGISTERED:
        return [Problem("NOT_CONTROLLED", "control the declaration first (Order 1907 p.6)")]
    if problems := check_transition(status, DeclarationStatus.ACCOUNTED):
        return problems
    if status is DeclarationStatus.ACCOUNTED:
        return [Problem("ALREADY_ACCOUNTED", "the declaration is accounted")]
    if not accounting_required(declaration):
        return [
            Problem(
                "ACCOUNTING_NOT_REQUIRED",
                f"goods under procedure {declaration.procedure} are not accounted here "
                "(Order 1907 p.7: only under the first declared procedure, never "
                "in transit, never again after an earlier declaration)",
            )
        ]
    return []


def accounting_blockers(discrepancies: Sequence[Discrepancy]) -> list[Problem]:
    """Order 1907 p.8: nothing is written off while a discrepancy affects prohibitions
    and restrictions; each is a problem of its item."""
    return [
        Problem(d.code.value, f"item {d.item_no}: {d.message}", ("items", d.item_no - 1))
        for d in discrepancies
        if d.affects_restrictions
    ]


def plan_accounting(case: DeclarationCase) -> list[Movement]:
    """Order 1907 p.7-8, p.11-12: the write-off of a declaration's items, or for a full
    declaration the actualisation of its temporary ones (raises ``RuleViolation`` as
    ``plan_write_off`` and ``plan_actualisation``)."""
    lines = lines_of(case.licenses)
    declaration = case.declaration
    if declaration.kind is DeclarationKind.FULL:
        return plan_actualisation(
            case.temporary_totals or {}, declaration.items, lines, declaration.number
        )
    return plan_write_off(declaration.items, lines, declaration.number)


def plan_correction(case: DeclarationCase) -> list[Movement]:
    """DESIGN "Corrections" of an accounted declaration: its write-offs annulled and the
    corrected items written off (on what it held, made available again), in one go."""
    lines = lines_of(licenses_with_held(case.licenses, held(case.own)))
    number = case.declaration.number
    return [*plan_annulment(case.own), *plan_write_off(case.declaration.items, lines, number)]


class Notice(StrEnum):
    """What an accounting notification reports (Order 1907 p.10)."""

    ACCOUNTED = "ACCOUNTED"
    ACTUALISED = "ACTUALISED"
    ANNULLED = "ANNULLED"
    RELEASED = "RELEASED"


def accounting_notice(kind: DeclarationKind) -> Notice:
    """A full declaration's accounting actualises its temporary ones (p.12)."""
    return Notice.ACTUALISED if kind is DeclarationKind.FULL else Notice.ACCOUNTED


#: The unique index of write-offs found this declaration item written off already.
ALREADY_WRITTEN_OFF = Problem(
    "ALREADY_ACCOUNTED", "an item of this revision is already written off"
)


def license_unknown(number: str) -> Problem:
    """Movements name a licence whose data was not received (p.3)."""
    return Problem("LICENCE_UNKNOWN", f"no licence {number}")


@dataclass(frozen=True, slots=True)
class Preview:
    """What control and accounting would say of a draft, nothing written: what is wrong
    with the draft itself, else the discrepancies, whether p.7 asks for accounting, and
    then the movements planned or why there would be none."""

    input_problems: list[Problem] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    accounting_required: bool = False
    movements: list[Movement] = field(default_factory=list)
    accounting_problems: list[Problem] = field(default_factory=list)


def preview(case: DeclarationCase) -> Preview:
    """Order 1907 p.6-8 as a dry run of a draft declaration."""
    found = control_case(case)
    required = accounting_required(case.declaration)
    movements: list[Movement] = []
    problems: list[Problem] = []
    if required:
        try:
            movements = plan_accounting(case)
        except RuleViolation as exc:
            problems = exc.problems
    return Preview([], found, required, movements, problems)


def check_grounds_named(grounds: Sequence[Ground]) -> list[Problem]:
    """Order 1907 p.9: a refusal names its grounds."""
    return [] if grounds else [Problem("REQUIRED", "name at least one ground", ("grounds",))]


def established_grounds(
    named: Sequence[Ground], found: Sequence[RefusalGround]
) -> list[RefusalGround]:
    """Order 1907 p.9: the grounds an officer names, each as established now (``found``
    by ``refusal_grounds``); raises ``RuleViolation`` when any does not hold."""
    established = {g.code: g for g in found}
    missing = [g for g in named if g not in established]
    if missing:
        raise RuleViolation(
            [
                Problem(
                    "GROUND_NOT_ESTABLISHED",
                    f"ground {g.value} does not hold now; established: "
                    + (", ".join(x.value for x in established) or "none"),
                    ("grounds",),
                )
                for g in missing
            ]
        )
    return [established[g] for g in named]


def earlier_accounting(
    number: str, annulled: bool, movements: Iterable[Movement]
) -> EarlierAccounting:
    """What earlier declaration ``number`` holds per line by its ``movements`` (DESIGN
    "Earlier accounting (p.7)"); nothing counts once it is ``annulled``."""
    return EarlierAccounting(
        number, annulled=annulled, quantities={k: a.quantity for k, a in held(movements).items()}
    )


def automatic_decision(case: DeclarationCase, *, deadline: datetime, now: datetime) -> AutoDecision:
    """``auto_mode_decision`` of the declaration's case (Order 1907 p.13)."""
    declaration = case.declaration
    return auto_mode_decision(
        declaration,
        case.licenses,
        case.earlier,
        deadline=deadline,
        now=now,
        is_first_procedure=declaration.first_procedure,
        temporary_totals=case.temporary_totals,
    )
