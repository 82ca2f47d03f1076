"""GraphQL subscriptions over WebSocket (the graphql-transport-ws protocol).

Browsers cannot set headers on a WebSocket, so the API key travels in the payload of
``connection_init``: ``{"X-API-Key": "ck_..."}`` or ``{"apiKey": "ck_..."}``.  Until that
message is acknowledged the connection's principal is :data:`domain.access.NOBODY` (it sees nothing,
and strawberry refuses any ``subscribe`` before the acknowledgement with 4401); a missing,
unknown or revoked key closes the connection with 4403 Forbidden.

The socket carries subscriptions only: queries and mutations go over HTTP POST, where each
request gets its own moment (``now``) and loaders, rather than the connection's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from api.auth import authenticate
from resolvers.context import Context
from schema.limits import Limits

_KEY_NAMES = frozenset({"x-api-key", "apikey"})


@dataclass
class SubscriptionContext(Context):
    """The context of one WebSocket connection; ``connection_params`` is the payload of
    ``connection_init`` (set by strawberry)."""

    connection_params: dict[str, Any] | None = None


def presented_key(params: dict[str, Any] | None) -> str | None:
    """The API key in a ``connection_init`` payload (names compared case-insensitively)."""
    for name, value in (params or {}).items():
        if name.lower() in _KEY_NAMES and isinstance(value, str):
            return value
    return None


async def authenticate_connection(context: Any) -> dict[str, object]:
    """``on_ws_connect``: the principal from the payload's key, or a rejection (4403)."""
    if not isinstance(context, SubscriptionContext):
        raise ConnectionRejectionError({"message": "no subscription context"})
    principal = await authenticate(context.db, presented_key(context.connection_params))
    if principal is None:
        raise ConnectionRejectionError(
            {
                "message": 'send a valid API key in the connection_init payload: {"X-API-Key": '
                '"ck_..."} or {"apiKey": "ck_..."}',
                "code": "UNAUTHENTICATED",
            }
        )
    context.principal = principal
    return {"role": principal.role}


def _operation_type(payload: dict[str, Any]) -> OperationType | None:
    """The type of the operation a ``subscribe`` message asks for; None when the document
    does not parse or name one (strawberry then reports that)."""
    query = payload.get("query")
    if not isinstance(query, str):
        return None
    bounds = Limits()  # the defaults: this peek must never cost more than the request's own
    try:
        document = parse(query, max_source_length=bounds.max_length, max_tokens=bounds.max_tokens)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, payload.get("operationName"))
    return None if operation is None else operation.operation


class SubscriptionsOnlyHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, refusing queries and mutations with an ``error`` message."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload: Any = message.get("payload")
        if (
            self.connection_acknowledged
            and isinstance(payload, dict)
            and message.get("id") not in self.operations
        ):
            kind = _operation_type(payload)
            if kind is not None and kind is not OperationType.SUBSCRIPTION:
                await self.send_message(
                    {
                        "id": message["id"],
                        "type": "error",
                        "payload": [
                            {
                                "message": f"this WebSocket carries subscriptions only; send "
                                f"the {kind.value} over HTTP POST /graphql",
                                "extensions": {"code": "SUBSCRIPTIONS_ONLY"},
                            }
                        ],
                    }
                )
                return
        await super().handle_subscribe(message)
