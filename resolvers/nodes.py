"""``node(id:)`` and ``nodes(ids:)``: any object by its global ID."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from bson import ObjectId

from resolvers.context import Info
from resolvers.declarations import load_declaration_node
from resolvers.ledger import load_notification_node
from resolvers.licenses import load_license_node
from resolvers.permits import load_permit_node
from schema.errors import InvalidId
from schema.relay import Node, parse_global_id

NodeLoader = Callable[[Info, ObjectId], Awaitable[Any]]

#: Every Node type and how to load it; a new type registers here.
NODE_LOADERS: dict[str, NodeLoader] = {
    "License": load_license_node,
    "Declaration": load_declaration_node,
    "AccountingNotification": load_notification_node,
    "ProcessingPermit": load_permit_node,
}


async def _load(info: Info, global_id: str) -> Node | None:
    type_name, object_id = parse_global_id(global_id)
    loader = NODE_LOADERS.get(type_name)
    if loader is None:
        raise InvalidId(f"ID {global_id!r} names an unknown type {type_name!r}")
    result: Node | None = await loader(info, object_id)
    return result


async def node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
) -> Node | None:
    """The object with this global ID, or null when it does not exist or is not yours."""
    return await _load(info, id)


async def nodes(
    info: Info,
    ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")],
) -> list[Node | None]:
    """The objects with these global IDs, in order; null for each one not found."""
    if len(ids) > 100:
        raise InvalidId("at most 100 ids at once")
    return list(await asyncio.gather(*(_load(info, global_id) for global_id in ids)))
