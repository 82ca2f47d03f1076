"""The migration runner on the session server: applies once, records, locks.

Each test gets a database of its own (``mig_<random>``), dropped at the end.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, WriteError

import migrations
from api.app import migrate_when_free
from api.db import CODEC_OPTIONS, Database, make_client
from migrations import m0001_licences
from migrations.m0001_licences import LICENSE_SCHEMA
from migrations.runner import APPLIED, LOCK, MigrationLocked, discover, force_unlock, migrate
from services.ledger import verify_license
from tests.support.api import HOLDER_INN

Document = dict[str, Any]
DOCUMENT_VALIDATION_FAILURE = 121


@pytest.fixture
async def fresh(database: Database) -> AsyncIterator[AsyncDatabase[Document]]:
    name = f"mig_{uuid.uuid4().hex[:12]}"
    db = database.client.get_database(name, codec_options=CODEC_OPTIONS)
    try:
        yield db
    finally:
        await database.client.drop_database(name)


def all_ids() -> list[str]:
    return [m.id for m in discover()]


def license_doc(number: str, quantity: Any = Decimal("10.5")) -> Document:
    """A licence document as the service stores it."""
    now = datetime(2027, 3, 1, tzinfo=UTC)
    return {
        "number": number,
        "type": "ONE_TIME",
        "direction": "EXPORT",
        "issuingAuthority": "Минпромторг России",
        "holder": {"inn": HOLDER_INN, "name": "ООО «Ромашка»"},
        "validFrom": datetime(2027, 1, 1, tzinfo=UTC),
        "validTo": datetime(2027, 12, 31, tzinfo=UTC),
        "controlMode": "ELECTRONIC",
        "status": "ACTIVE",
        "exhausted": False,
        "lines": [
            {
                "lineNo": 1,
                "name": "Трансформаторы",
                "hsCode": "8504210000",
                "unit": "796",
                "quantityLimit": quantity,
                "accounted": Decimal(0),
                "released": Decimal(0),
                "available": quantity,
            }
        ],
        "version": 1,
        "registeredAt": now,
        "updatedAt": now,
    }


async def state(db: AsyncDatabase[Document]) -> Document:
    """Collections with their options and indexes, and the applied records."""
    result: Document = {}
    async for info in await db.list_collections():
        name = info["name"]
        indexes = await db[name].index_information()
        result[name] = {"options": info.get("options", {}), "indexes": indexes}
    result["records"] = await db[APPLIED].find({}).sort("_id", 1).to_list()
    return result


async def test_migrate_on_an_empty_database(fresh: AsyncDatabase[Document]) -> None:
    applied = await migrate(fresh)

    assert "m0001_licences" in applied
    assert applied == all_ids()
    record = await fresh[APPLIED].find_one({"_id": "m0001_licences"})
    assert record is not None
    assert record["description"] == "licences, licence history, API keys and idempotency records"
    assert isinstance(record["appliedAt"], datetime)
    assert record["by"]
    assert await fresh[LOCK].count_documents({}) == 0  # the lock is released

    names = set(await fresh.list_collection_names())
    assert {"licenses", "license_history", "idempotency", "api_keys"} <= names
    [licenses] = await (await fresh.list_collections(filter={"name": "licenses"})).to_list()
    assert licenses["options"]["validator"] == {"$jsonSchema": LICENSE_SCHEMA}
    assert licenses["options"]["validationLevel"] == "strict"

    await fresh.licenses.insert_one(license_doc("RU-1"))  # a valid document passes
    with pytest.raises(WriteError) as rejected:
        await fresh.licenses.insert_one(license_doc("RU-2", quantity=10.5))
    assert rejected.value.code == DOCUMENT_VALIDATION_FAILURE
    assert await fresh.licenses.count_documents({"number": "RU-2"}) == 0

    indexes = await fresh.licenses.index_information()
    assert indexes["number_unique"]["key"] == [("number", 1)]
    assert indexes["number_unique"]["unique"] is True
    with pytest.raises(DuplicateKeyError):
        await fresh.licenses.insert_one(license_doc("RU-1"))


async def test_migrate_again_changes_nothing(fresh: AsyncDatabase[Document]) -> None:
    await migrate(fresh)
    before = await state(fresh)

    assert await migrate(fresh) == []
    assert await state(fresh) == before


async def test_a_held_lock_stops_migrate_until_force_unlock(
    fresh: AsyncDatabase[Document],
) -> None:
    since = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    await fresh[LOCK].insert_one({"_id": "migrate", "owner": "other-host:4242", "since": since})

    with pytest.raises(MigrationLocked) as locked:
        await migrate(fresh)
    message = str(locked.value)
    assert "other-host:4242" in message
    assert "customs-api migrate --force-unlock" in message
    assert await fresh[APPLIED].count_documents({}) == 0  # nothing applied
    assert await fresh[LOCK].find_one({"_id": "migrate"}) is not None  # not stolen

    assert await force_unlock(fresh) is True
    assert await force_unlock(fresh) is False
    assert await migrate(fresh) == all_ids()


async def test_concurrent_migrations_apply_once(mongo_uri: str, database: Database) -> None:
    name = f"mig_{uuid.uuid4().hex[:12]}"
    clients = [make_client(mongo_uri), make_client(mongo_uri)]
    try:
        dbs = [c.get_database(name, codec_options=CODEC_OPTIONS) for c in clients]
        outcomes = await asyncio.gather(*(migrate(db) for db in dbs), return_exceptions=True)

        applied = [o for o in outcomes if isinstance(o, list)]
        refused = [o for o in outcomes if isinstance(o, BaseException)]
        assert all(isinstance(o, MigrationLocked) for o in refused), outcomes
        assert sorted(i for ids in applied for i in ids) == sorted(all_ids()), outcomes
        records = await dbs[0][APPLIED].find({}).to_list()
        assert sorted(r["_id"] for r in records) == sorted(all_ids())
        assert await dbs[0][LOCK].count_documents({}) == 0
        assert await migrate(dbs[1]) == []
    finally:
        await database.client.drop_database(name)
        for client in clients:
            await client.close()


async def test_migrate_when_free_waits_for_the_lock(
    fresh: AsyncDatabase[Document], database: Database
) -> None:
    await fresh[LOCK].insert_one(
        {"_id": "migrate", "owner": "other-host:1", "since": datetime.now(UTC)}
    )

    async def release_later() -> None:
        await asyncio.sleep(1)
        await fresh[LOCK].delete_one({"_id": "migrate"})

    releaser = asyncio.create_task(release_later())
    started = time.monotonic()
    await migrate_when_free(Database(client=database.client, db=fresh, uri=database.uri))
    waited = time.monotonic() - started
    await releaser

    assert 1.0 <= waited < 5.0
    records = await fresh[APPLIED].find({}).to_list()
    assert sorted(r["_id"] for r in records) == sorted(all_ids())


async def test_migrate_when_free_gives_up_after_its_wait(
    fresh: AsyncDatabase[Document], database: Database
) -> None:
    await fresh[LOCK].insert_one(
        {"_id": "migrate", "owner": "other-host:1", "since": datetime.now(UTC)}
    )
    with pytest.raises(MigrationLocked, match="other-host:1"):
        await migrate_when_free(
            Database(client=database.client, db=fresh, uri=database.uri), wait_seconds=0.6
        )
    assert await fresh[APPLIED].count_documents({}) == 0


async def test_m0002_opens_the_ledger_of_licences_registered_before_it(
    fresh: AsyncDatabase[Document],
) -> None:
    """A licence stored before the ledger gets one LIMIT_CHANGE entry per line, chained
    and hashed so that today's ledger verification accepts it, and its ``state``."""
    await m0001_licences.up(fresh)
    older = license_doc("RU-OLD", quantity=Decimal("10.500"))
    older["lines"].append(
        {
            **older["lines"][0],
            "lineNo": 2,
            "quantityLimit": Decimal("3"),
            "available": Decimal("3"),
            "valueLimit": Decimal("1500.50"),
            "valueAccounted": Decimal("0.00"),
            "valueReleased": Decimal("0"),
            "valueAvailable": Decimal("1500.50"),
            "currency": "USD",
        }
    )
    await fresh.licenses.insert_one(older)

    await migrate(fresh)

    licence = await fresh.licenses.find_one({"number": "RU-OLD"})
    assert licence is not None
    entries = await fresh.ledger.find({"licenseId": licence["_id"]}).sort("seq", 1).to_list()
    assert [(e["seq"], e["lineNo"], e["operation"]) for e in entries] == [
        (1, 1, "LIMIT_CHANGE"),
        (2, 2, "LIMIT_CHANGE"),
    ]
    assert [(e["quantity"], e["value"]) for e in entries] == [
        (Decimal("10.500"), None),
        (Decimal("3"), Decimal("1500.50")),
    ]
    assert entries[1]["after"]["valueLimit"] == Decimal("1500.50")
    assert entries[0]["prevHash"] is None
    assert entries[1]["prevHash"] == entries[0]["hash"]
    assert (licence["ledgerSeq"], licence["ledgerHash"]) == (2, entries[1]["hash"])
    assert licence["state"] == "ACTIVE"
    assert (await verify_license(fresh, licence)).ok

    before = await state(fresh)
    assert await migrate(fresh) == []  # a rerun opens nothing twice
    assert await state(fresh) == before


def test_migrations_load_nothing_of_the_live_code() -> None:
    """A migration is frozen once applied: it copies what it needs instead of importing
    the rules, use cases or API of the day, which may change after it ran."""
    probe = (
        "import sys; from migrations.runner import discover; discover(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'domain', 'services', 'resolvers', 'schema', 'api'}))"
    )
    root = Path(migrations.__file__).resolve().parent.parent
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
