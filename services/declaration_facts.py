"""What the rules need about one declaration, read in the operation's transaction: the
declaration, the licences and processing permits its items cite, its own ledger
movements, the earlier declarations its items cite (p.7) and, for a full declaration,
what its temporary ones accounted (p.12).

Read for a principal (``access``), licences, permits and other declarations come only
through the access policy: a DECLARANT's control (a correction, a preview, the automatic
mode on its registration) sees another holder's licence as one never received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from domain.accounting import DeclarationCase, Movement, earlier_accounting, held
from domain.control import Amount, EarlierAccounting, LineKey
from domain.declarations import DeclarationKind
from services.access import Access, Owned
from services.documents.declarations import (
    citations_of,
    declaration_facts,
    is_closed_by_annulment,
    kind_of,
)
from services.documents.ledger import movement_of
from services.documents.licenses import license_facts
from services.documents.permits import permit_facts

Document = dict[str, Any]
Session = AsyncClientSession | None


@dataclass
class Facts:
    """One declaration's facts as read: the documents a write needs, and the case the
    rules decide on (``case``)."""

    declaration: Document
    licenses: dict[str, Document]
    permits: dict[str, Document]
    own: list[Movement]
    earlier: dict[str, EarlierAccounting]
    temporary_totals: dict[LineKey, Amount] | None
    now: datetime
    """When the rules apply (a permit's term is judged then)."""

    @property
    def case(self) -> DeclarationCase:
        return DeclarationCase(
            declaration_facts(self.declaration),
            {
                **{number: license_facts(doc) for number, doc in self.licenses.items()},
                **{number: permit_facts(doc, self.now) for number, doc in self.permits.items()},
            },
            self.own,
            self.earlier,
            self.temporary_totals,
        )


_COLLECTION = {
    Owned.LICENSE: "licenses",
    Owned.PERMIT: "permits",
    Owned.DECLARATION: "declarations",
}


@dataclass(frozen=True)
class _Reader:
    """Reads in one session, as ``access`` lets the principal see (None: everything)."""

    db: AsyncDatabase[Document]
    session: Session
    access: Access | None

    @property
    def restricted(self) -> bool:
        return self.access is not None and not self.access.unrestricted

    async def by_number(self, kind: Owned, numbers: Sequence[str]) -> dict[str, Document]:
        if not numbers:
            return {}
        query = {"number": {"$in": list(numbers)}}
        if self.access is not None:
            query.update(self.access.filter(kind))
        found = self.db[_COLLECTION[kind]].find(query, session=self.session)
        return {doc["number"]: doc async for doc in found}

    async def movements_of(self, numbers: Sequence[str]) -> list[Movement]:
        query = {"declarationNumber": {"$in": list(numbers)}}
        cursor = self.db.ledger.find(query, session=self.session).sort("seq", 1)
        return [movement_of(doc) async for doc in cursor]


async def load_facts(
    db: AsyncDatabase[Document],
    declaration: Document,
    session: Session,
    now: datetime,
    access: Access | None = None,
) -> Facts:
    """The facts of ``declaration`` at ``now``; with ``access``, only what it lets the
    principal see (None: everything, for bookkeeping on what was already accounted)."""
    read = _Reader(db, session, access)
    cited = citations_of(declaration)
    licenses = await read.by_number(Owned.LICENSE, cited.licenses)
    permits = await read.by_number(Owned.PERMIT, cited.permits)
    own = await read.movements_of([declaration["number"]])
    found = await read.by_number(Owned.DECLARATION, cited.earlier)
    earlier: dict[str, EarlierAccounting] = {}
    if found:
        movements = await read.movements_of(list(found))
        for number, doc in found.items():
            mine = [m for m in movements if m.declaration_number == number]
            earlier[number] = earlier_accounting(number, is_closed_by_annulment(doc), mine)
    temporary_totals = None
    if kind_of(declaration) is DeclarationKind.FULL:
        temporaries: Sequence[str] = declaration["temporaryNumbers"]
        if read.restricted:
            visible = await read.by_number(Owned.DECLARATION, temporaries)
            temporaries = [number for number in temporaries if number in visible]
        temporary_totals = held(await read.movements_of(temporaries))
    return Facts(declaration, licenses, permits, own, earlier, temporary_totals, now)
