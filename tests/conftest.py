"""Test fixtures: a real MongoDB-wire server, one database per test run, the app.

Without ``MONGODB_URI`` the session starts the embedded SecantusDB in a temporary
folder; with it, the tests use that server.  Either way the run gets a database of its
own (``test_<random>``), migrated once and dropped at the end.  Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.auth import create_api_key
from api.clock import FixedClock
from api.db import CODEC_OPTIONS, Database, check_server, make_client
from api.embedded import EmbeddedDatabase
from api.settings import Settings
from domain.access import Role
from migrations.runner import migrate
from tests.support.api import HOLDER_INN, OTHER_INN, START, Api, LiveApi, free_port


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


@pytest.fixture
async def api(
    settings: Settings, database: Database, clock: FixedClock, keys: dict[str, str]
) -> AsyncIterator[Api]:
    app = create_app(settings, clock=clock, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http=http, keys=keys)


@pytest.fixture(scope="session")
async def live_api(
    settings: Settings, database: Database, keys: dict[str, str]
) -> AsyncIterator[LiveApi]:
    app = create_app(settings, database=database)
    port = free_port()
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
