"""Database lifecycle: the embedded server or ``MONGODB_URI``, one client, start-up checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions, TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener

from api.embedded import EmbeddedDatabase
from api.settings import Settings

log = logging.getLogger(__name__)

Document = dict[str, Any]


class DecimalCodec(TypeCodec):
    """Python ``Decimal`` <-> BSON Decimal128, so exact numbers never meet a float."""

    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Decimal) -> Decimal128:
        return Decimal128(value)

    def transform_bson(self, value: Decimal128) -> Decimal:
        return value.to_decimal()


CODEC_OPTIONS: CodecOptions[Document] = CodecOptions(
    document_class=dict,
    tz_aware=True,
    uuid_representation=UuidRepresentation.STANDARD,
    type_registry=TypeRegistry([DecimalCodec()]),
)


class DatabaseUnsuitable(RuntimeError):
    """The server cannot run this API (no transactions); the message says what to do."""


@dataclass
class Database:
    """The open client and the application's database."""

    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    uri: str
    embedded: EmbeddedDatabase | None = None


def make_client(
    uri: str, *, timeout_ms: int = 10_000, event_listeners: Sequence[CommandListener] = ()
) -> AsyncMongoClient[Document]:
    """One client per process: tz-aware datetimes, standard UUIDs, majority writes."""
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        w="majority",
        retryWrites=True,
        event_listeners=list(event_listeners),
        appname="customs-api",
    )


async def check_server(client: AsyncMongoClient[Document], uri_hint: str) -> None:
    """The server answers and supports multi-document transactions (a replica set or a
    sharded cluster); otherwise refuse to start with what to do about it."""
    await client.admin.command("ping")
    hello = await client.admin.command("hello")
    if not hello.get("setName") and hello.get("msg") != "isdbgrid":
        raise DatabaseUnsuitable(
            f"the MongoDB server at {uri_hint} is a standalone server, and this API needs "
            "multi-document transactions, which MongoDB gives only on a replica set. Start "
            "mongod with --replSet rs0 and run rs.initiate() once (a single node is enough), "
            "or unset MONGODB_URI to use the embedded database."
        )
    if hello.get("maxWireVersion", 0) < 21:
        raise DatabaseUnsuitable(
            f"the MongoDB server at {uri_hint} is older than 7.0; upgrade it to 7.0 or newer"
        )


def _redact(uri: str) -> str:
    """The URI without its password, for messages."""
    if "@" not in uri:
        return uri
    scheme, _, rest = uri.partition("://")
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


@asynccontextmanager
async def open_database(
    settings: Settings,
    *,
    database: str | None = None,
    event_listeners: Sequence[CommandListener] = (),
    attach: bool = False,
) -> AsyncIterator[Database]:
    """Start the embedded server when ``MONGODB_URI`` is unset, connect, check, and close
    everything on exit.  With ``attach`` (CLI commands), use the embedded server of an
    API that is already running on the folder instead of refusing."""
    embedded: EmbeddedDatabase | None = None
    uri = settings.mongodb_uri
    if uri is None:
        candidate = EmbeddedDatabase(settings.data_dir)
        uri = candidate.running_uri() if attach else None
        if uri is None:
            embedded = candidate
            uri = embedded.start()
    try:
        client = make_client(
            uri, timeout_ms=settings.db_timeout_ms, event_listeners=event_listeners
        )
        try:
            await check_server(client, _redact(uri))
            db = client.get_database(database or settings.database, codec_options=CODEC_OPTIONS)
            yield Database(client=client, db=db, uri=uri, embedded=embedded)
        finally:
            await client.close()
    finally:
        if embedded is not None:
            embedded.stop()
