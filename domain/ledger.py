"""The hash-chained licence ledger (Order 1907 p.3 "information on execution of the
licence"; DESIGN "The invariant"): every movement of a line's figures is an entry,
numbered from 1 per licence and chained by SHA-256, so the figures can always be
recomputed and any change of a past entry is found.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

from domain.accounting import LineFigures, Movement, line_figures_after
from domain.problems import Problem, RuleViolation


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


def ledger_entry(
    seq: int,
    previous_hash: str | None,
    before: LineFigures,
    recorded_at: datetime,
    movement: Movement,
) -> LedgerEntry:
    """Entry ``seq`` of a licence's ledger, chained to ``previous_hash``, moving the line
    from ``before`` (raises ``RuleViolation`` as ``line_figures_after``)."""
    after = line_figures_after(before, movement)
    fields = ledger_entry_fields(seq, recorded_at, movement, after)
    return LedgerEntry(
        seq, recorded_at, movement, after, previous_hash, ledger_entry_hash(previous_hash, fields)
    )


def next_ledger_entry(
    previous: LedgerEntry | None, before: LineFigures, recorded_at: datetime, movement: Movement
) -> LedgerEntry:
    """The entry that follows ``previous`` in the licence's ledger, moving the line from
    ``before`` (raises ``RuleViolation`` as ``line_figures_after``)."""
    if previous is None:
        return ledger_entry(1, None, before, recorded_at, movement)
    return ledger_entry(previous.seq + 1, previous.hash, before, recorded_at, movement)


def append_to_ledger(
    license_number: str,
    lines: Mapping[int, LineFigures],
    seq: int,
    head: str | None,
    movements: Iterable[Movement],
    recorded_at: datetime,
) -> list[LedgerEntry]:
    """The entries that record ``movements`` (all of one licence, in order) after entry
    ``seq`` whose hash is ``head``, each line moving from its figures in ``lines``.  All
    or nothing: raises ``RuleViolation`` for a line the licence does not have, or as
    ``line_figures_after`` for a movement breaking the invariant."""
    figures = dict(lines)
    entries: list[LedgerEntry] = []
    for movement in movements:
        before = figures.get(movement.line_no)
        if before is None:
            raise RuleViolation(
                [
                    Problem(
                        "LINE_UNKNOWN", f"licence {license_number} has no line {movement.line_no}"
                    )
                ]
            )
        entry = ledger_entry(seq + 1, head, before, recorded_at, movement)
        entries.append(entry)
        figures[movement.line_no] = entry.after
        seq, head = entry.seq, entry.hash
    return entries


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry at which a ledger does not verify, and why (``seq`` None when it
    is the ledger's head or the figures stored that do not match it)."""

    seq: int | None
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


def verify_ledger(
    entries: Sequence[LedgerEntry],
    head: tuple[int | None, str | None],
    stored: Mapping[int, LineFigures],
) -> ChainBreak | None:
    """DESIGN "The invariant": a licence's ledger verifies (``verify_chain``), its head
    (sequence number and hash, as the licence keeps them) is its last entry, and every
    line's ``stored`` figures are those its last entry recorded (zero with no entry).
    None when all holds."""
    if (broken := verify_chain(entries)) is not None:
        return broken
    if entries and head != (entries[-1].seq, entries[-1].hash):
        return ChainBreak(None, "ledger head does not match")
    last = {entry.movement.line_no: entry.after for entry in entries}
    for line_no, figures in stored.items():
        expected = last.get(line_no, LineFigures())
        if figures != expected:
            return ChainBreak(
                None,
                f"line {line_no}: stored figures {figures} differ from the ledger's {expected}",
            )
    return None
