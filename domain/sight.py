"""What a principal may learn of the control of a declaration that cites documents it
does not see (DESIGN "Holder"; :mod:`domain.access`).

An officer's control compares an item with the licence (or processing permit) it cites,
whoever holds it: a declaration citing another holder's licence gets HOLDER_MISMATCH,
with the holder's INN, the line's name, unit, currency and the quantity available.  The
declarant must not learn any of it, not even that the licence exists.  So for a principal
who does not see a cited document the findings are shown as control would find them on
what the principal sees, where that document was never received:

* an item citing a licence or permit it does not see: exactly the unknown-licence finding
  (``check_license_known(item, None)``: LICENCE_UNKNOWN, no figures), none of the
  findings against that licence, and the earlier-accounting check (p.7) as for an item of
  an unknown licence;
* an item citing an earlier declaration it does not see (p.7): that declaration has no
  accounting on record, as if never registered;
* every other item: its findings as stored.

This is what :func:`domain.accounting.preview` says for the same draft on the principal's
own sight.  The refusal grounds and the automatic mode's trace, worded from the findings,
are shown on the same findings (:func:`grounds_seen`, :func:`trace_seen`).

Known limit: a customs representative's key is bound to its own INN; a declaration filed
for a represented person (``representedInn``) does not give it sight of that person's
licences (there is no registry of representation yet), so such an item always reads
LICENCE_UNKNOWN to it, whatever an officer's control found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime

from domain.accounting import Ground, RefusalGround, TraceStep, refusal_grounds
from domain.control import (
    NOT_AFFECTING_RESTRICTIONS,
    NOT_FIXABLE,
    Discrepancy,
    DiscrepancyCode,
    EarlierAccounting,
    ItemFacts,
    check_earlier_accounting,
    check_license_known,
)

_C = DiscrepancyCode


@dataclass(frozen=True, slots=True)
class Sight:
    """What a principal sees of the documents one declaration cites: the licence and
    permit numbers it does not see (``hidden``) and the earlier declarations (p.7) it
    does see, each as its accounting stands (``earlier``; only whether it was annulled
    matters here)."""

    hidden: frozenset[str]
    earlier: Mapping[str, EarlierAccounting]

    def masks(self, item: ItemFacts) -> bool:
        """Whether control's findings on ``item`` may tell of something not seen."""
        if item.license_number in self.hidden:
            return True
        return item.earlier_declaration is not None and item.earlier_declaration not in self.earlier

    def masked(self, items: Sequence[ItemFacts]) -> set[int]:
        """The numbers of the items whose findings are shown as on an unknown document."""
        return {item.item_no for item in items if self.masks(item)}


def findings_seen(
    items: Sequence[ItemFacts],
    found: Sequence[Discrepancy],
    sight: Sight,
    *,
    controlled: bool = True,
) -> list[Discrepancy]:
    """DESIGN "Holder": the findings ``found`` (of an officer's control) as the principal
    of ``sight`` may learn them (see the module); ``controlled``: a control ran (before
    it there is no finding to show, on any item).  Sorted by item, as control sorts."""
    masked = {item.item_no: item for item in items if sight.masks(item)}
    if not masked:
        return list(found)
    seen = [d for d in found if d.item_no not in masked]
    if controlled:
        for item in masked.values():
            if item.license_number in sight.hidden:
                own = check_license_known(item, None)
            else:
                own = [
                    d
                    for d in found
                    if d.item_no == item.item_no and d.code is not _C.EARLIER_ACCOUNTING_INVALID
                ]
            seen += own + check_earlier_accounting([item], {}, sight.earlier)
    return sorted(seen, key=lambda d: d.item_no)


def grounds_seen(
    grounds: Sequence[RefusalGround],
    seen: Sequence[Discrepancy],
    masked: Set[int],
    *,
    deadline: datetime,
    at: datetime,
) -> list[RefusalGround]:
    """The grounds of a refusal made ``at`` (Order 1907 p.9) as a principal may learn
    them, from the findings it sees (``seen``, :func:`findings_seen` of the findings
    the refusal was made on) with the items ``masked`` for it.  A ground that names no
    masked item is shown as made.  Of one that does, what its other items establish is
    worded again from their findings (``refusal_grounds``); the masked items read as
    items of an unknown licence, whose only ground is discrepancies affecting
    restrictions left unfixed (UNFIXED_DISCREPANCIES), worded from their findings."""
    if not any(masked & set(g.item_nos) for g in grounds):
        return list(grounds)
    unfixed_items: set[int] = set()
    shown: list[RefusalGround | None] = []  # None: where UNFIXED_DISCREPANCIES stands
    for ground in grounds:
        items = set(ground.item_nos)
        if ground.code is Ground.UNFIXED_DISCREPANCIES:
            unfixed_items |= items
            shown.append(None)
        elif not items & masked:
            shown.append(ground)
        else:
            unfixed_items |= items & masked
            visible = [d for d in seen if d.item_no in items - masked]
            again = refusal_grounds(visible, deadline=deadline, now=at)
            shown += [g for g in again if g.code is ground.code]
    if None not in shown:
        shown.append(None)
    late = max(at, deadline)  # an unknown licence's finding is a ground once the term ran out
    of_items = [d for d in seen if d.item_no in unfixed_items]
    unfixed = [
        g
        for g in refusal_grounds(of_items, deadline=deadline, now=late)
        if g.code is Ground.UNFIXED_DISCREPANCIES
    ]
    return [g for slot in shown for g in ([slot] if slot is not None else unfixed)]


#: How :func:`domain.accounting.auto_mode_decision` lists the findings of its CONTROL step.
_LISTED = re.compile(r"item (\d+): ([A-Z_]+)")


def trace_seen(
    trace: Sequence[TraceStep],
    items: Sequence[ItemFacts],
    sight: Sight,
    *,
    deadline: datetime,
    at: datetime,
) -> list[TraceStep]:
    """The automatic mode's trace (Order 1907 p.13, made ``at``) as a principal may learn
    it.  With no item masked, as made.  Otherwise as the automatic mode decides on what
    the principal sees: its CONTROL step lists the findings seen (:func:`findings_seen` of
    those it listed); an unknown licence's finding affects restrictions, so the
    declaration is handed to an officer with the grounds those findings give (worded as
    ``auto_mode_decision`` words them)."""
    control = next((step for step in trace if step.step == "CONTROL"), None)
    if control is None or not sight.masked(items):
        return list(trace)
    codes = {code.value: code for code in DiscrepancyCode}
    listed = [
        Discrepancy(
            codes[code],
            int(number),
            "",
            affects_restrictions=codes[code] not in NOT_AFFECTING_RESTRICTIONS,
            fixable=codes[code] not in NOT_FIXABLE,
        )
        for number, code in _LISTED.findall(control.detail)
        if code in codes
    ]
    seen = findings_seen(items, listed, sight)
    affecting = [d for d in seen if d.affects_restrictions]
    named = ", ".join(g.code.value for g in refusal_grounds(seen, deadline=deadline, now=at))
    return [
        TraceStep(
            "CONTROL",
            control.point,
            not affecting,
            "; ".join(f"item {d.item_no}: {d.code.value}" for d in seen) or "no discrepancies",
        ),
        TraceStep(
            "DECISION",
            "Order 1907 p.13; DESIGN",
            False,
            f"handed to an officer; refusal grounds found: {named or 'none'}",
        ),
    ]
