"""Test fixtures: a real MongoDB-wire server, one database per test run, the app.

Without ``MONGODB_URI`` the session starts the embedded SecantusDB in a temporary
folder; with it, the tests use that server.  Either way the run gets a database of its
own (``test_<random>``), migrated once and dropped at the end.  Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.auth import Role, create_api_key
from api.clock import FixedClock
from api.db import CODEC_OPTIONS, Database, check_server, make_client
from api.embedded import EmbeddedDatabase
from api.settings import Settings
from migrations.runner import migrate

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HOLDER_INN = "7707083893"  # a real-format INN with a valid check digit
OTHER_INN = "7736050003"


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    uri = os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    server = EmbeddedDatabase(Path(tmp_path_factory.mktemp("secantus")) / "data")
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
async def database(mongo_uri: str) -> AsyncIterator[Database]:
    client = make_client(mongo_uri)
    await check_server(client, "test server")
    name = f"test_{uuid.uuid4().hex[:12]}"
    db = client.get_database(name, codec_options=CODEC_OPTIONS)
    await migrate(db)
    yield Database(client=client, db=db, uri=mongo_uri)
    await client.drop_database(name)
    await client.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="session")
def settings(mongo_uri: str, database: Database) -> Settings:
    return Settings(mongodb_uri=mongo_uri, database=database.db.name, allow_clock_header=True)


@pytest.fixture(scope="session")
async def keys(database: Database) -> dict[str, str]:
    """One API key per role; the DECLARANT key is bound to HOLDER_INN."""
    made = {}
    for role in Role:
        made[role.value] = await create_api_key(
            database.db,
            name=f"test {role.value.lower()}",
            role=role,
            inn=HOLDER_INN if role is Role.DECLARANT else None,
            now=START,
        )
    made["OTHER_DECLARANT"] = await create_api_key(
        database.db, name="other declarant", role=Role.DECLARANT, inn=OTHER_INN, now=START
    )
    return made


@dataclass
class Api:
    """Sends GraphQL to the app in-process, as a given role."""

    http: httpx.AsyncClient
    keys: dict[str, str]
    role: str = "INTEGRATOR"
    headers: dict[str, str] = field(default_factory=dict)

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, role: str | None = None
    ) -> httpx.Response:
        headers = {"x-api-key": self.keys[role or self.role], **self.headers}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, role: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, role=role)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, role: str | None = None
    ) -> dict[str, Any]:
        body = await self.gql(query, variables, role=role)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
async def api(
    settings: Settings, database: Database, clock: FixedClock, keys: dict[str, str]
) -> AsyncIterator[Api]:
    app = create_app(settings, clock=clock, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http=http, keys=keys)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveApi:
    """A real uvicorn server with the app, on a loopback port, in the test loop."""

    base_url: str
    keys: dict[str, str]
    database: Database

    def create_key(self, role: str) -> str:
        return self.keys[role]


@pytest.fixture(scope="session")
async def live_api(
    settings: Settings, database: Database, keys: dict[str, str]
) -> AsyncIterator[LiveApi]:
    app = create_app(settings, database=database)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield LiveApi(base_url=f"http://127.0.0.1:{port}", keys=keys, database=database)
    server.should_exit = True
    await task
