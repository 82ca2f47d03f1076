"""The ASGI application: GraphQL at /graphql, GraphiQL at /graphiql/, health probes.

``create_app()`` builds it; uvicorn serves ``create_default_app`` (a factory).  The lifespan opens
one database (starting the embedded server when ``MONGODB_URI`` is unset), applies
pending migrations and closes everything on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cross_web import HTTPException as StrawberryHTTPException
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.auth import API_KEY_HEADER, authenticate
from api.clock import CLOCK_HEADER, Clock, SystemClock, parse_clock_header
from api.db import Database, open_database
from api.edge import (
    BAD_REQUEST,
    GRAPHQL_RESPONSE_JSON,
    INTERNAL_SERVER_ERROR,
    METHOD_NOT_ALLOWED,
    ClientGone,
    EdgeRefusal,
    GraphQLRequest,
    RateLimiter,
    check_content_type,
    check_graphql_query_string,
    check_graphql_request,
    declared_length,
    error_response,
    read_body,
    replay,
    request_id,
    response_media_type,
    security_headers,
)
from api.logs import configure_logging, request_id_var
from api.settings import Settings, get_settings
from api.websocket import (
    SubscriptionContext,
    SubscriptionsOnlyHandler,
    authenticate_connection,
)
from domain.access import NOBODY, Principal
from migrations.runner import MigrationLocked, migrate
from resolvers.context import Context
from resolvers.loaders import make_loaders
from schema.errors import (
    OPERATION_NOT_ALLOWED,
    UNKNOWN_OPERATION,
    is_request_error,
    request_error,
)
from schema.limits import Limits
from schema.root import build_schema

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


@dataclass
class AppState:
    """What the lifespan provides to requests."""

    settings: Settings
    clock: Clock
    database: Database | None = None


async def migrate_when_free(database: Database, *, wait_seconds: float = 120) -> None:
    """Apply pending migrations; when another instance holds the lock, wait for it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            applied = await migrate(database.db)
            if applied:
                log.info("migrations applied", extra={"migrations": applied})
            return
        except MigrationLocked:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


class RequestMiddleware:
    """Per request, before GraphQL runs (the checks are in :mod:`api.edge`): a request id
    (a valid ``X-Request-ID`` or a new one), security headers on every response, one
    access log line; for ``/graphql`` POST (and GET unless ``CUSTOMS_GRAPHQL_GET`` is
    off) only, a body of at most ``CUSTOMS_MAX_BODY_BYTES``, the moment of the request,
    the API key, the key's rate limit, and the body (or a GET's URL parameters) read and
    checked (JSON, depth, UTF-8, the request's shape) and handed on, so that GraphQL never
    sees a malformed one.  An error escaping the app
    before it answered becomes a JSON 500."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state
        self.limiter = RateLimiter(state.settings.rate_limit_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        rid, replaced = request_id(headers.get("x-request-id"))
        token = request_id_var.set(rid)
        started = time.perf_counter()
        path: str = scope["path"]
        outcome: dict[str, Any] = {}

        async def send_with_headers(message: Any) -> None:
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                outcome["status"] = message["status"]
                sent = list(message.get("headers", []))
                content_type = next(
                    (v.decode("latin-1") for k, v in sent if k.lower() == b"content-type"), None
                )
                message["headers"] = [
                    *sent,
                    (b"x-request-id", rid.encode()),
                    *security_headers(path, content_type),
                ]
            await send(message)

        try:
            try:
                receive = await self._prepare(scope, headers, receive)
            except EdgeRefusal as refusal:
                outcome["code"] = refusal.code
                await refusal.response(headers.get("accept"))(scope, receive, send_with_headers)
            except ClientGone:
                outcome["code"] = "CLIENT_GONE"
            else:
                await self._call_app(scope, receive, send_with_headers, outcome, headers)
        finally:
            if scope["type"] == "http" and path not in ("/healthz", "/readyz"):
                entry: dict[str, Any] = {
                    "method": scope.get("method"),
                    "path": path[:200],
                    "status": outcome.get("status"),
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
                if "code" in outcome:
                    entry["code"] = outcome["code"]
                if replaced:
                    entry["requestIdReplaced"] = True  # the presented id is never logged
                log.info("request", extra=entry)
            request_id_var.reset(token)

    async def _call_app(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        outcome: dict[str, Any],
        headers: dict[str, str],
    ) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            if scope["type"] != "http" or "status" in outcome:
                raise
            log.exception("unexpected error before the response")
            outcome["code"] = INTERNAL_SERVER_ERROR
            response = error_response(
                500, INTERNAL_SERVER_ERROR, "Unexpected error.", headers.get("accept")
            )
            await response(scope, receive, send)

    async def _prepare(self, scope: Scope, headers: dict[str, str], receive: Receive) -> Receive:
        """The checks of /graphql before GraphQL; the ``receive`` to hand on.  Raises
        :class:`EdgeRefusal` or :class:`ClientGone`."""
        if scope["path"] != "/graphql":
            return receive
        settings = self.state.settings
        method = scope.get("method")
        if scope["type"] == "http":
            allowed = ("GET", "POST") if settings.graphql_get else ("POST",)
            if method not in allowed:
                raise EdgeRefusal(
                    405,
                    METHOD_NOT_ALLOWED,
                    f"{method} is not supported: this API takes GraphQL requests by "
                    + (
                        "POST as a JSON body (Content-Type: application/json), or queries "
                        "by GET with URL parameters"
                        if settings.graphql_get
                        else "POST only, as a JSON body (Content-Type: application/json)"
                    )
                    + "; subscriptions use a WebSocket",
                    {"allow": ", ".join(allowed)},
                )
            if method == "GET" and len(scope["query_string"]) > settings.max_body_bytes:
                raise EdgeRefusal(
                    414,
                    "URI_TOO_LONG",
                    f"the URL parameters are longer than {settings.max_body_bytes} bytes "
                    "(CUSTOMS_MAX_BODY_BYTES); send the request by POST",
                )
            declared_length(headers, settings.max_body_bytes)
        clock_value = headers.get(CLOCK_HEADER)
        if clock_value is None:
            now = self.state.clock.now()
        elif not settings.allow_clock_header:
            raise EdgeRefusal(
                400,
                "CLOCK_OVERRIDE_DISABLED",
                f"the {CLOCK_HEADER} header is accepted only when CUSTOMS_ALLOW_CLOCK_HEADER "
                "is on (test stands); remove the header",
            )
        else:
            try:
                now = parse_clock_header(clock_value)
            except ValueError as exc:
                raise EdgeRefusal(400, "INVALID_CLOCK_HEADER", str(exc)) from None
        scope.setdefault("state", {})["now"] = now
        if scope["type"] == "websocket":
            return receive  # authenticated in connection_init (subscriptions)
        database = self.state.database
        if database is None:
            raise EdgeRefusal(503, "NOT_READY", "the API is starting")
        principal = await authenticate(database.db, headers.get(API_KEY_HEADER))
        if principal is None:
            raise EdgeRefusal(
                401,
                "UNAUTHENTICATED",
                f"send a valid API key in the {API_KEY_HEADER} header "
                "(keys are created with `customs-api create-api-key`)",
                {"www-authenticate": "ApiKey"},
            )
        scope["state"]["principal"] = principal
        if (retry_after := self.limiter.take(principal.key_id)) is not None:
            raise self.limiter.refusal(retry_after)
        if method == "GET":
            scope["state"]["graphql_request"] = check_graphql_query_string(
                scope["query_string"], max_depth=settings.max_json_depth
            )
            return receive
        check_content_type(headers)
        scope["headers"] = [  # checked: GraphQL gets it in one spelling
            (k, b"application/json" if k.lower() == b"content-type" else v)
            for k, v in scope["headers"]
        ]
        body = await read_body(receive, settings.max_body_bytes)
        scope["state"]["graphql_request"] = check_graphql_request(
            body, max_depth=settings.max_json_depth
        )
        return replay(body, receive)


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI GraphQL with our typed context; its own IDE is off (we serve a
    self-hosted GraphiQL at /graphiql/).  Subscriptions: graphql-transport-ws, the key in
    ``connection_init`` (api/websocket.py).

    GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): the answer
    comes in the media type the client accepts (``application/graphql-response+json`` when
    it asks for it, else ``application/json``).  A request error (the document does not
    parse, is not valid, passes a limit, or its variables do not fit) has no ``data`` entry
    and is answered 400 under ``application/graphql-response+json``, 200 under
    ``application/json``; any other answer is 200.  Queries may come by GET too (never a
    mutation: 405).  Every refusal is JSON with ``extensions.code``."""

    graphql_transport_ws_handler_class = SubscriptionsOnlyHandler

    def __init__(self, state: AppState) -> None:
        settings = state.settings
        self.limits = Limits(
            max_length=settings.max_query_length,
            max_tokens=settings.max_query_tokens,
            max_fields=settings.max_query_fields,
            max_directives=settings.max_query_directives,
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_cost=settings.max_query_cost,
            timeout_s=settings.operation_timeout_s,
            declarant_introspection=settings.declarant_introspection,
        )
        self.public_schema = build_schema(self.limits)
        # New documents are parsed and validated in a worker thread (schema.limits), which
        # shares the interpreter lock with the event loop: hand the lock over every 1 ms
        # rather than every 5 ms, so that other requests wait less behind a large document
        # (4 clients sending monster documents, busy 2-core machine: /healthz p50 ~9 ms
        # -> ~4 ms, p99 ~150 ms -> ~90 ms).
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        super().__init__(
            self.public_schema,
            graphql_ide=None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        accept = request.headers.get("accept")
        try:
            response = await self.run(request)
        except StrawberryHTTPException as exc:
            response = self._refusal(exc, accept)
        else:
            media_type = response_media_type(accept)
            response.headers["content-type"] = f"{media_type}; charset=utf-8"
            request_error = getattr(request.state, "graphql_request_error", False)
            if request_error and media_type == GRAPHQL_RESPONSE_JSON:
                response.status_code = 400
        await response(scope, receive, send)

    def _refusal(self, exc: StrawberryHTTPException, accept: str | None) -> Response:
        """Strawberry's own refusals (before the document runs) as JSON with a code."""
        cause = exc.__cause__
        if isinstance(cause, InvalidOperationTypeError):
            if cause.operation_type is OperationType.MUTATION:
                return error_response(
                    405,
                    OPERATION_NOT_ALLOWED,
                    "a mutation cannot be sent by GET; send it by POST",
                    accept,
                    {"allow": "POST"},
                )
            return error_response(
                exc.status_code,
                OPERATION_NOT_ALLOWED,
                "a subscription cannot be sent over HTTP: subscribe over the WebSocket at "
                "/graphql (graphql-transport-ws)",
                accept,
            )
        code = {405: METHOD_NOT_ALLOWED, 404: "NOT_FOUND"}.get(exc.status_code, BAD_REQUEST)
        return error_response(exc.status_code, code, exc.reason, accept)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        """Strawberry's reading of the request (the edge has checked a POST body already;
        a GET's parameters are checked here), and ``operationName`` a string or null.
        A body the edge has parsed is not parsed again."""
        starlette_request = getattr(request, "_request", None)  # the adapter's request
        checked = getattr(getattr(starlette_request, "state", None), "graphql_request", None)
        if isinstance(checked, GraphQLRequest) and request.method == "POST":
            return GraphQLRequestData(
                query=checked.query,
                variables=checked.variables,
                operation_name=checked.operation_name,
                extensions=checked.extensions,
                protocol="http",
            )
        data = await super().parse_http_body(request)
        if isinstance(data, list):  # batching is off: strawberry refuses a list first
            raise StrawberryHTTPException(400, "batches are not supported")
        if not isinstance(data.operation_name, str | None):
            raise StrawberryHTTPException(400, "`operationName` must be a string or null")
        return data

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Queries (POST or GET) and mutations (POST); subscriptions only over the
        WebSocket.  An operation name that names no operation is a request error."""
        get = request_adapter.method == "GET"
        allowed = {OperationType.QUERY} if get else {OperationType.QUERY, OperationType.MUTATION}
        try:
            return await self.public_schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError:
            name = request_data.operation_name
            message = (
                "the document has no operation"
                if name is None
                else f"the document has no operation named {name!r}"
            )
            result = ExecutionResult(data=None, errors=[request_error(UNKNOWN_OPERATION, message)])
            return self.public_schema.public(result, context)
        except InvalidOperationTypeError as exc:
            reason = exc.as_http_error_reason(request_adapter.method)
            raise StrawberryHTTPException(405 if get else 400, reason) from exc
        except MissingQueryError as exc:
            raise StrawberryHTTPException(400, "the request has no GraphQL document") from exc

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response body; a request error has no ``data`` entry (GraphQL spec,
        "Response")."""
        body = process_result(result)
        if is_request_error(result.data, result.errors):
            body.pop("data", None)
            request.state.graphql_request_error = True
        return body

    async def on_ws_connect(self, context: Context) -> dict[str, object]:
        return await authenticate_connection(context)

    async def get_context(self, request: Any, response: Any) -> Context:
        database = self.state.database
        assert database is not None
        now: datetime = request.state.now
        if request.scope["type"] == "websocket":  # the principal comes in connection_init
            return SubscriptionContext(
                request=request,
                response=None,
                client=database.client,
                db=database.db,
                config=self.state.settings.service_config(),
                principal=NOBODY,
                now=now,
                loaders=make_loaders(database.db),
            )
        principal: Principal = request.state.principal
        return Context(
            request=request,
            response=response,
            client=database.client,
            db=database.db,
            config=self.state.settings.service_config(),
            principal=principal,
            now=now,
            loaders=make_loaders(database.db),
        )


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (an unknown path, a method a route does not take) as JSON
    errors with a code, like every other refusal."""
    assert isinstance(exc, HTTPException)
    code = {404: "NOT_FOUND", 405: METHOD_NOT_ALLOWED}.get(exc.status_code, BAD_REQUEST)
    return error_response(
        exc.status_code, code, exc.detail, request.headers.get("accept"), exc.headers
    )


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
) -> Starlette:
    """Build the application.  Pass ``database`` to reuse an open one (tests); otherwise
    the lifespan opens it from the settings."""
    settings = settings or get_settings()
    state = AppState(settings=settings, clock=clock or SystemClock(), database=database)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if state.database is not None:
            yield
            return
        async with open_database(settings) as opened:
            await migrate_when_free(opened)
            state.database = opened
            log.info("API ready", extra={"database": settings.database})
            try:
                yield
            finally:
                state.database = None

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        if state.database is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        try:
            await asyncio.wait_for(state.database.client.admin.command("ping"), timeout=2)
        except Exception as exc:
            return JSONResponse({"status": "database unavailable", "error": str(exc)}, 503)
        return JSONResponse({"status": "ready"})

    async def graphiql_redirect(_request: Request) -> Response:
        return RedirectResponse("/graphiql/")

    graphql = GraphQLApp(state)
    routes: list[Any] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
    ]
    graphiql_dir = STATIC / "graphiql"
    if settings.graphiql and graphiql_dir.is_dir():
        routes += [
            Route("/graphiql", graphiql_redirect),
            Mount("/graphiql", StaticFiles(directory=graphiql_dir, html=True)),
        ]
    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error}
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(RequestMiddleware, state=state)
    return app


def create_default_app() -> Starlette:
    """The served application (``uvicorn api.app:create_default_app --factory``)."""
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    return create_app(settings)
