"""The ASGI application: GraphQL at /graphql, GraphiQL at /graphiql/, health probes.

``create_app()`` builds it; uvicorn serves ``create_default_app`` (a factory).  The lifespan opens
one database (starting the embedded server when ``MONGODB_URI`` is unset), applies
pending migrations and closes everything on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.auth import API_KEY_HEADER, authenticate
from api.clock import CLOCK_HEADER, Clock, SystemClock, parse_clock_header
from api.db import Database, open_database
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


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
    )


class RequestMiddleware:
    """Per request: a request id (from ``X-Request-ID`` or new), the API key check for
    /graphql, the moment of the request, and one access log line."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get("x-request-id") or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder: dict[str, int] = {}

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            rejection = await self._prepare(scope, headers)
            if rejection is not None:
                await rejection(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            if scope["type"] == "http" and scope["path"] not in ("/healthz", "/readyz"):
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope["path"],
                        "status": status_holder.get("status"),
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            request_id_var.reset(token)

    async def _prepare(self, scope: Scope, headers: dict[str, str]) -> Response | None:
        if scope["path"] != "/graphql":
            return None
        clock_value = headers.get(CLOCK_HEADER)
        if clock_value is None:
            now = self.state.clock.now()
        elif not self.state.settings.allow_clock_header:
            return _error(
                400,
                "CLOCK_OVERRIDE_DISABLED",
                f"the {CLOCK_HEADER} header is accepted only when CUSTOMS_ALLOW_CLOCK_HEADER "
                "is on (test stands); remove the header",
            )
        else:
            try:
                now = parse_clock_header(clock_value)
            except ValueError as exc:
                return _error(400, "INVALID_CLOCK_HEADER", str(exc))
        scope.setdefault("state", {})["now"] = now
        if scope["type"] == "websocket":
            return None  # authenticated in connection_init (subscriptions)
        database = self.state.database
        if database is None:
            return _error(503, "NOT_READY", "the API is starting")
        principal = await authenticate(database.db, headers.get(API_KEY_HEADER))
        if principal is None:
            response = _error(
                401,
                "UNAUTHENTICATED",
                f"send a valid API key in the {API_KEY_HEADER} header "
                "(keys are created with `customs-api create-api-key`)",
            )
            response.headers["www-authenticate"] = "ApiKey"
            return response
        scope["state"]["principal"] = principal
        return None


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI GraphQL with our typed context; its own IDE is off (we serve a
    self-hosted GraphiQL at /graphiql/).  Subscriptions: graphql-transport-ws, the key in
    ``connection_init`` (api/websocket.py)."""

    graphql_transport_ws_handler_class = SubscriptionsOnlyHandler

    def __init__(self, state: AppState) -> None:
        settings = state.settings
        super().__init__(
            build_schema(max_depth=settings.max_query_depth, max_aliases=settings.max_aliases),
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.state = state

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
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(RequestMiddleware, state=state)
    return app


def create_default_app() -> Starlette:
    """The served application (``uvicorn api.app:create_default_app --factory``)."""
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    return create_app(settings)
