"""A declaration as the request's principal may learn it (DESIGN "Holder"): what it
cites is read through the request's loaders (one query per kind of document for a whole
page of declarations), and :func:`services.access.declaration_seen` decides what of its
control the principal is shown.  A principal who sees every holder reads nothing more."""

from __future__ import annotations

import asyncio
from typing import Any

from domain.sight import Sight
from resolvers.context import Info
from services.access import Owned, declaration_seen
from services.documents.declarations import citations_of
from services.documents.ledger import movement_of

Document = dict[str, Any]


async def sight_of(info: Info, declaration: Document) -> Sight | None:
    """What the principal sees of the documents ``declaration`` cites (None: all)."""
    access = info.context.access
    if access.unrestricted:
        return None
    cited = citations_of(declaration)
    loaders = info.context.loaders
    licenses, permits, earlier = await asyncio.gather(
        loaders.license_by_number.load_many(cited.licenses),
        loaders.permit_by_number.load_many(cited.permits),
        loaders.declaration_by_number.load_many(cited.earlier),
    )
    return access.sight(
        dict(zip(cited.licenses, licenses, strict=True)),
        dict(zip(cited.permits, permits, strict=True)),
        dict(zip(cited.earlier, earlier, strict=True)),
    )


async def seen_declaration(info: Info, declaration: Document) -> Document:
    """``declaration`` with its findings, refusal grounds and automatic mode's trace as
    the principal may learn them."""
    return declaration_seen(declaration, await sight_of(info, declaration))


async def seen_ledger_entries(info: Info, declaration: Document) -> list[Document]:
    """The ledger entries ``declaration`` caused, but those of licences the principal
    does not see: an entry is a licence's (its sequence, hash and the line's figures
    after it); the quantities moved are in the declaration's accounting notifications."""
    entries: list[Document] = await info.context.loaders.ledger_by_declaration.load(
        declaration["number"]
    )
    sight = await sight_of(info, declaration)
    if sight is None:
        return entries
    return [e for e in entries if movement_of(e).license_number not in sight.hidden]


def visible_declaration(info: Info, declaration: Document | None) -> Document | None:
    """``declaration`` when the principal sees it, else None (as if it did not exist)."""
    return info.context.access.visible(Owned.DECLARATION, declaration)
