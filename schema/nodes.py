"""The Relay root fields ``node`` and ``nodes`` (every area's objects), merged in
:mod:`schema.root`."""

from __future__ import annotations

import strawberry

from resolvers import nodes as r
from schema.permissions import READ_ANY, query
from schema.relay import Node


@strawberry.type(description="Any object by its global ID.")
class NodeQuery:
    node: Node | None = query(
        r.node, READ_ANY, "Any object by its global ID; null when absent or not visible to you."
    )
    nodes: list[Node | None] = query(
        r.nodes, READ_ANY, "Objects by global IDs (at most 100), in the order asked."
    )
