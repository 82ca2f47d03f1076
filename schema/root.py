"""The assembled schema: each area's Query, Mutation and Subscription parts merged
(``schema/<area>/fields.py``), and the extensions every request runs with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.declarations.fields import (
    AnalyticsQuery,
    DeclarationMutation,
    DeclarationQuery,
    LedgerQuery,
    LedgerSubscription,
)
from schema.declarations.types import Declaration
from schema.errors import should_mask
from schema.ledger import AccountingNotification
from schema.licenses.fields import LicenseMutation, LicenseQuery
from schema.licenses.types import License
from schema.nodes import NodeQuery
from schema.permits.fields import PermitMutation, PermitQuery
from schema.scalars import SCALARS


def merged(name: str, description: str, *parts: type) -> type:
    """One root type from the areas' parts, their fields in the order of the parts."""
    return strawberry.type(type(name, parts, {}), description=description)


Query = merged(
    "Query",
    "Everything that can be read.",
    NodeQuery,
    LicenseQuery,
    DeclarationQuery,
    LedgerQuery,
    AnalyticsQuery,
    PermitQuery,
)
Mutation = merged(
    "Mutation",
    "Everything that changes data. Each mutation is idempotent.",
    LicenseMutation,
    DeclarationMutation,
    PermitMutation,
)
#: Subscriptions travel over WebSocket (graphql-transport-ws, api/websocket.py).
Subscription = merged("Subscription", "Everything that can be followed live.", LedgerSubscription)


class Schema(strawberry.Schema):
    """Strawberry's schema, logging only unexpected errors: refusals that the client
    caused (bad IDs, wrong role, malformed scalars) are answers, not incidents."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [e for e in errors if should_mask(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(*, max_depth: int = 12, max_aliases: int = 30) -> strawberry.Schema:
    """The schema with its per-request extensions, passed as factories."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        ParserCache,
        ValidationCache,
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: MaskErrors(should_mask_error=should_mask),
    ]
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[License, Declaration, AccountingNotification],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )


def schema_sdl() -> str:
    """The SDL committed as ``schema.graphql``."""
    sdl: str = build_schema().as_str()
    return sdl + "\n"


__all__: list[Any] = ["build_schema", "schema_sdl"]
