"""The access policy of :mod:`domain.access` applied to stored documents.

Every read and write of a holder's data goes through one :class:`Access` (built once per
request, ``info.context.access``): a query adds :meth:`Access.filter` so that another
holder's documents are never even read, and a document already in hand is shown only when
:meth:`Access.sees` says so.  A record the principal may not see answers exactly as one
that does not exist.  A declaration of its own that cites what it may not see (another
holder's licence) is shown as citing an unknown one (:meth:`Access.sight`,
:func:`declaration_seen`; the rule is :mod:`domain.sight`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from domain.access import Action, Principal, holder_scope, may, sees_holder
from domain.accounting import earlier_accounting
from domain.sight import Sight, findings_seen, grounds_seen, trace_seen
from services.documents.declarations import (
    declaration_facts,
    discrepancy_doc,
    discrepancy_of,
    grounds_doc,
    grounds_of,
    is_closed_by_annulment,
    trace_docs,
    trace_of,
)

Document = dict[str, Any]

#: The condition of a list that is certainly empty for the principal (one indexed
#: ``_id`` lookup of nothing): the answer to a DECLARANT asking for another holder's.
NOTHING: Document = {"_id": {"$in": []}}


class Owned(Enum):
    """The kinds of stored documents that belong to a holder, by the field naming it."""

    LICENSE = "holder.inn"
    DECLARATION = "declarantInn"
    PERMIT = "holderInn"

    @property
    def field(self) -> str:
        return str(self.value)


def _dotted(doc: Document, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True, slots=True)
class Access:
    """The policy for one principal."""

    principal: Principal

    def may(self, action: Action) -> bool:
        """Whether the principal's role may ask for ``action``."""
        return may(self.principal, action)

    @property
    def unrestricted(self) -> bool:
        """True when the principal sees every holder's data."""
        return holder_scope(self.principal) is None

    def filter(self, kind: Owned) -> Document:
        """The query condition that keeps only the documents the principal sees: ``{}``
        when it sees all, a condition on the holder's field otherwise (an empty ``$in``
        for a principal that sees nothing)."""
        scope = holder_scope(self.principal)
        if scope is None:
            return {}
        inns = sorted(scope)
        return {kind.field: inns[0]} if len(inns) == 1 else {kind.field: {"$in": inns}}

    def narrowed(self, kind: Owned, holder_inn: str | None) -> Document | None:
        """The holder condition of a list asked for ``holder_inn`` (or any holder when
        None), within what the principal sees; None when the answer is certainly empty
        (a DECLARANT asking for another holder's documents: query :data:`NOTHING`)."""
        if holder_inn is None:
            return self.filter(kind)
        if not self.sees_holder(holder_inn):
            return None
        return {kind.field: holder_inn}

    def sees_holder(self, holder_inn: str | None) -> bool:
        """Whether the principal may learn of a record held by ``holder_inn``."""
        return sees_holder(self.principal, holder_inn)

    def sees(self, kind: Owned, doc: Document | None) -> bool:
        """Whether ``doc`` (of ``kind``) exists for the principal; False for None."""
        if doc is None:
            return False
        return self.sees_holder(_dotted(doc, kind.field))

    def visible(self, kind: Owned, doc: Document | None) -> Document | None:
        """``doc`` when the principal sees it, else None (as if it did not exist)."""
        return doc if self.sees(kind, doc) else None

    def sight(
        self,
        licenses: Mapping[str, Document | None],
        permits: Mapping[str, Document | None],
        earlier: Mapping[str, Document | None],
    ) -> Sight | None:
        """What the principal sees of the documents a declaration cites (each by its
        number, None when there is none): the licences and permits it does not see, and
        the earlier declarations (p.7) it does; None when it sees everything."""
        if self.unrestricted:
            return None
        hidden = {n for n, doc in licenses.items() if not self.sees(Owned.LICENSE, doc)}
        hidden |= {n for n, doc in permits.items() if not self.sees(Owned.PERMIT, doc)}
        seen = {
            number: earlier_accounting(number, is_closed_by_annulment(doc), ())
            for number, doc in earlier.items()
            if doc is not None and self.sees(Owned.DECLARATION, doc)
        }
        return Sight(frozenset(hidden), seen)


def declaration_seen(declaration: Document, sight: Sight | None) -> Document:
    """A stored declaration as the principal of ``sight`` may learn it (DESIGN "Holder",
    :mod:`domain.sight`): its findings, refusal grounds and automatic mode's trace shown
    as on an unknown document wherever it cites one the principal does not see; as
    stored for a principal who sees everything (``sight`` None) or all it cites."""
    if sight is None:
        return declaration
    items = declaration_facts(declaration).items
    masked = sight.masked(items)
    if not masked:
        return declaration
    stored = declaration.get("discrepancies") or []
    controlled = declaration.get("controlledAt") is not None or bool(stored)
    seen = findings_seen(items, [discrepancy_of(d) for d in stored], sight, controlled=controlled)
    shown = {**declaration, "discrepancies": [discrepancy_doc(d) for d in seen]}
    deadline = declaration["releaseDeadline"]
    if refusal := declaration.get("refusal"):
        grounds = grounds_seen(
            grounds_of(refusal), seen, masked, deadline=deadline, at=refusal["at"]
        )
        shown["refusal"] = {**refusal, "grounds": grounds_doc(grounds)}
    if trace := declaration.get("autoTrace"):
        at = trace[0]["at"]
        steps = trace_seen(trace_of(trace), items, sight, deadline=deadline, at=at)
        shown["autoTrace"] = trace_docs(steps, at)
    return shown
