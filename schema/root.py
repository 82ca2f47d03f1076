"""The assembled schema: Query, Mutation and the extensions every request runs with."""

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

from resolvers import licenses as license_resolvers
from resolvers import nodes as node_resolvers
from schema.errors import should_mask
from schema.licenses.payloads import (
    AmendLicensePayload,
    LicenseStatusPayload,
    RegisterLicensePayload,
)
from schema.licenses.types import License, LicenseConnection
from schema.permissions import LICENSE_FEED, READ_ANY
from schema.relay import Node
from schema.scalars import SCALARS


@strawberry.type(description="Everything that can be read.")
class Query:
    node: Node | None = strawberry.field(
        resolver=node_resolvers.node,
        permission_classes=[READ_ANY],
        description="Any object by its global ID; null when absent or not visible to you.",
    )
    nodes: list[Node | None] = strawberry.field(
        resolver=node_resolvers.nodes,
        permission_classes=[READ_ANY],
        description="Objects by global IDs (at most 100), in the order asked.",
    )
    license: License | None = strawberry.field(
        resolver=license_resolvers.license_by_number,
        permission_classes=[READ_ANY],
        description="A licence by its number (Order 1907 p.3). DECLARANT keys see only "
        "licences issued to their INN.",
    )
    license_by_id: License | None = strawberry.field(
        resolver=license_resolvers.license_by_id,
        permission_classes=[READ_ANY],
        description="A licence by its global ID.",
    )
    licenses: LicenseConnection = strawberry.field(
        resolver=license_resolvers.licenses,
        permission_classes=[READ_ANY],
        description="Licences, filtered and ordered; `first` at most 100 (default 20).",
    )


@strawberry.type(description="Everything that changes data. Each mutation is idempotent.")
class Mutation:
    register_license: RegisterLicensePayload = strawberry.mutation(
        resolver=license_resolvers.register_license,
        permission_classes=[LICENSE_FEED],
        description="Licence data received from EAIS (Order 1907 p.2-3). INTEGRATOR only.",
    )
    amend_license: AmendLicensePayload = strawberry.mutation(
        resolver=license_resolvers.amend_license,
        permission_classes=[LICENSE_FEED],
        description="Amended licence data: dates, holder, counterparty, lines (p.3).",
    )
    suspend_license: LicenseStatusPayload = strawberry.mutation(
        resolver=license_resolvers.suspend_license,
        permission_classes=[LICENSE_FEED],
        description="Suspension of a licence: accounting and release stop at once (p.9).",
    )
    resume_license: LicenseStatusPayload = strawberry.mutation(
        resolver=license_resolvers.resume_license,
        permission_classes=[LICENSE_FEED],
        description="End of a suspension.",
    )
    terminate_license: LicenseStatusPayload = strawberry.mutation(
        resolver=license_resolvers.terminate_license,
        permission_classes=[LICENSE_FEED],
        description="Termination of a licence; final (p.9).",
    )


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
        types=[License],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )


def schema_sdl() -> str:
    """The SDL committed as ``schema.graphql``."""
    sdl: str = build_schema().as_str()
    return sdl + "\n"


__all__: list[Any] = ["build_schema", "schema_sdl"]
