"""The assembled schema: each area's Query, Mutation and Subscription parts merged
(``schema/<area>/fields.py``), and the extensions every request runs with."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from schema.declarations.fields import (
    AnalyticsQuery,
    DeclarationMutation,
    DeclarationQuery,
    LedgerQuery,
    LedgerSubscription,
)
from schema.declarations.types import Declaration
from schema.errors import public_error, should_mask
from schema.input_bounds import InputListBounds
from schema.ledger import AccountingNotification
from schema.licenses.fields import LicenseMutation, LicenseQuery
from schema.licenses.types import License
from schema.limits import DocumentCache, Limits, RequestLimits
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
    """Strawberry's schema with the request limits (:mod:`schema.limits`), answering
    every error in its public shape (:func:`schema.errors.public_error`: a code on each,
    internal ones masked, no suggestions for those who may not see the schema) and
    logging only unexpected errors: refusals that the client caused (bad IDs, wrong role,
    malformed scalars, limits) are answers, not incidents."""

    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [e for e in errors if should_mask(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)

    def public(self, result: ExecutionResult, context: object) -> ExecutionResult:
        """``result`` with its errors as clients see them, and its cost."""
        hide = not self.limits.sees_schema(getattr(context, "principal", None))
        if result.errors:
            result.errors = [public_error(e, hide_suggestions=hide) for e in result.errors]
        extensions = result.extensions or {}
        extensions.setdefault("cost", {"requested": 0, "maximum": self.limits.max_cost})
        result.extensions = extensions
        return result

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        result = await super().execute(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            allowed_operation_types=allowed_operation_types,
            operation_extensions=operation_extensions,
        )
        return self.public(result, context_value)

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> Any:
        """Subscriptions (and anything else streamed): each result made public."""
        results = await super().stream(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
            allowed_operation_types=allowed_operation_types,
        )

        async def public_results() -> AsyncGenerator[Any, None]:
            try:
                async for result in results:
                    if isinstance(result, ExecutionResult):
                        result = self.public(result, context_value)
                    yield result
            except GraphQLError as error:  # refused in an extension's hook (parse)
                yield self.public(PreExecutionError(data=None, errors=[error]), context_value)
            finally:
                await results.aclose()

        return public_results()


def build_schema(limits: Limits | None = None) -> Schema:
    """The schema with its per-request extension (:class:`schema.limits.RequestLimits`,
    passed as a factory; its document cache shared by the requests of this schema)."""
    limits = limits or Limits()
    cache = DocumentCache(limits.cache_size)
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: RequestLimits(limits, cache),
        InputListBounds,  # issue 9: bounded input lists cut before they are coerced
    ]
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[License, Declaration, AccountingNotification],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
        limits=limits,
    )


def schema_sdl() -> str:
    """The SDL committed as ``schema.graphql``."""
    sdl: str = build_schema().as_str()
    return sdl + "\n"


__all__: list[Any] = ["build_schema", "schema_sdl"]
