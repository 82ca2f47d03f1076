"""Accounting of licensed goods: write-off, annulment, actualisation, release decisions
and the hash-chained licence ledger (Order 1907 p.3-4, p.7-13; DESIGN "The invariant").

Figures move only by ``Movement``s; ``line_figures_after`` applies one to a line's
figures and refuses any that would break ``released <= accounted <= limit``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum

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


# --- the hash-chained ledger (p.3) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One entry of a licence's append-only ledger (DESIGN; Order 1907 p.3 "information
    on execution of the licence"): sequence number from 1 per licence, the movement, the
    line's figures after it, and the hash chain."""

    seq: int
    recorded_at: datetime
    movement: Movement
    after: LineFigures
    previous_hash: str | None
    hash: str


def ledger_entry_fields(
    seq: int, recorded_at: datetime, movement: Movement, after: LineFigures
) -> dict[str, object]:
    """The fields of an entry that its hash covers (all but the hashes)."""
    return {
        "seq": seq,
        "recorded_at": recorded_at,
        "operation": movement.operation,
        "licence_number": movement.license_number,
        "line_no": movement.line_no,
        "quantity": movement.quantity,
        "value": movement.value,
        "declaration_number": movement.declaration_number,
        "item_no": movement.item_no,
        "limit_after": after.limit,
        "accounted_after": after.accounted,
        "released_after": after.released,
        "value_limit_after": after.value_limit,
        "value_accounted_after": after.value_accounted,
        "value_released_after": after.value_released,
    }


def _canonical(value: object) -> object:
    if isinstance(value, Enum):
        return _canonical(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    raise TypeError(f"cannot hash a {type(value).__name__} (floats are never used): {value!r}")


def ledger_entry_hash(previous_hash: str | None, entry_fields: Mapping[str, object]) -> str:
    """SHA-256 (hex) of the previous hash and the entry's fields, canonically: keys
    sorted, decimals as their exact strings, datetimes in UTC ISO with milliseconds (what
    BSON keeps; a naive datetime is taken as UTC, as PyMongo returns them) (DESIGN)."""
    text = json.dumps(
        {"previous_hash": previous_hash, "entry": _canonical(entry_fields)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def next_ledger_entry(
    previous: LedgerEntry | None, before: LineFigures, recorded_at: datetime, movement: Movement
) -> LedgerEntry:
    """The entry that follows ``previous`` in the licence's ledger, moving the line from
    ``before`` (raises ``RuleViolation`` as ``line_figures_after``)."""
    seq = 1 if previous is None else previous.seq + 1
    previous_hash = None if previous is None else previous.hash
    after = line_figures_after(before, movement)
    fields = ledger_entry_fields(seq, recorded_at, movement, after)
    return LedgerEntry(
        seq, recorded_at, movement, after, previous_hash, ledger_entry_hash(previous_hash, fields)
    )


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry at which a ledger does not verify, and why."""

    seq: int
    reason: str


def verify_chain(entries: Sequence[LedgerEntry]) -> ChainBreak | None:
    """DESIGN: one licence's ledger from its first entry, in order: sequence numbers run
    1, 2, ...; each entry links to the previous hash; each hash recomputes; and running
    every movement from zero gives the figures each entry recorded.  None when intact."""
    figures: dict[int, LineFigures] = {}
    previous_hash: str | None = None
    for expected_seq, entry in enumerate(entries, start=1):
        m = entry.movement
        if entry.seq != expected_seq:
            return ChainBreak(entry.seq, f"sequence number {entry.seq}, expected {expected_seq}")
        if m.license_number != entries[0].movement.license_number:
            return ChainBreak(entry.seq, f"entry of another licence {m.license_number}")
        if entry.previous_hash != previous_hash:
            return ChainBreak(entry.seq, "does not link to the previous entry's hash")
        fields = ledger_entry_fields(entry.seq, entry.recorded_at, m, entry.after)
        if ledger_entry_hash(entry.previous_hash, fields) != entry.hash:
            return ChainBreak(entry.seq, "hash does not match the entry's content")
        try:
            after = line_figures_after(figures.get(m.line_no, LineFigures()), m)
        except RuleViolation as exc:
            return ChainBreak(entry.seq, f"movement breaks the invariant: {exc}")
        if after != entry.after:
            return ChainBreak(entry.seq, f"figures {entry.after} do not add up to {after}")
        figures[m.line_no] = after
        previous_hash = entry.hash
    return None


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
