"""The access policy of :mod:`domain.access` applied to stored documents.

Every read and write of a holder's data goes through one :class:`Access` (built once per
request, ``info.context.access``): a query adds :meth:`Access.filter` so that another
holder's documents are never even read, and a document already in hand is shown only when
:meth:`Access.sees` says so.  A record the principal may not see answers exactly as one
that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from domain.access import Action, Principal, holder_scope, may, sees_holder

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
