"""Applies numbered migrations once, records each, and never runs twice at once.

The lock is a document with a fixed ``_id`` in ``_migration_lock``: the insert that takes
it fails with a duplicate key when another runner holds it, on any number of API
instances.  A runner that crashed leaves its lock behind; ``migrate --force-unlock``
clears it after a person has checked that no runner is alive.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

import migrations

log = logging.getLogger(__name__)

Document = dict[str, Any]
APPLIED = "_migrations"
LOCK = "_migration_lock"
_MODULE = re.compile(r"^m(\d{4})_\w+$")


class MigrationLocked(RuntimeError):
    """Another runner holds the migration lock."""


@dataclass(frozen=True)
class Migration:
    id: str
    description: str
    up: Callable[[AsyncDatabase[Document]], Awaitable[None]]


def discover() -> list[Migration]:
    """Every ``mNNNN_*`` module of the package, in number order; numbers are unique."""
    found: list[Migration] = []
    for info in pkgutil.iter_modules(migrations.__path__):
        if _MODULE.match(info.name):
            module: ModuleType = importlib.import_module(f"migrations.{info.name}")
            found.append(Migration(info.name, module.DESCRIPTION, module.up))
    found.sort(key=lambda m: m.id)
    numbers = [m.id[:5] for m in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number: {numbers}")
    return found


async def applied_ids(db: AsyncDatabase[Document]) -> set[str]:
    return {doc["_id"] async for doc in db[APPLIED].find({}, {"_id": 1})}


async def migrate(db: AsyncDatabase[Document], *, now: datetime | None = None) -> list[str]:
    """Apply the pending migrations; return the ids applied by this call."""
    owner = f"{socket.gethostname()}:{os.getpid()}"
    started = now or datetime.now(UTC)
    try:
        await db[LOCK].insert_one({"_id": "migrate", "owner": owner, "since": started})
    except DuplicateKeyError:
        holder = await db[LOCK].find_one({"_id": "migrate"}) or {}
        raise MigrationLocked(
            f"migrations are being applied by {holder.get('owner', '?')} since "
            f"{holder.get('since', '?')}; wait for it, or if that process is gone, run "
            "`customs-api migrate --force-unlock`"
        ) from None
    done: list[str] = []
    try:
        already = await applied_ids(db)
        for migration in discover():
            if migration.id in already:
                continue
            log.info("applying migration", extra={"migration": migration.id})
            await migration.up(db)
            await db[APPLIED].insert_one(
                {
                    "_id": migration.id,
                    "description": migration.description,
                    "appliedAt": datetime.now(UTC),
                    "by": owner,
                }
            )
            done.append(migration.id)
    finally:
        await db[LOCK].delete_one({"_id": "migrate", "owner": owner})
    return done


async def force_unlock(db: AsyncDatabase[Document]) -> bool:
    """Remove a lock left by a runner that died; True when there was one."""
    result = await db[LOCK].delete_one({"_id": "migrate"})
    return result.deleted_count == 1
