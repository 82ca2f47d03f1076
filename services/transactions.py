"""Multi-document transactions with retries, and idempotent operations.

``with_transaction`` of the driver retries transient errors (write conflicts between
concurrent transactions) and unknown commit results.  An operation also carries an
idempotency key (a feed message id, or a client's key) stored under a unique index in
the same transaction as its effect: a resend finds the record and returns the first
result; a resend with other content is refused.  A business refusal is recorded under
the key as well, right after its transaction aborted (DESIGN "Refusals are answers
too"): a resend gets the same refusal, never a second attempt.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from domain.idempotency import key_reused
from domain.problems import Problem, RuleViolation
from services.write_refusals import validation_refusal

Document = dict[str, Any]
T = TypeVar("T")


class ConcurrentUpdate(Exception):
    """A guarded update found the document changed since it was read: run again."""


class KeyedLocks:
    """In-process locks by name (a licence number), always taken in sorted order.

    Transactions writing one document conflict in the database: one commits, the others
    abort and run again.  With tens of requests on one licence at once the aborted runs
    swamp the server (measured with bench/accounting.py on SecantusDB: 50 concurrent
    clients accounted 0.9 declarations/s against 14/s for one client, and some requests
    ran out of the driver's 120 s of retries).  Queuing them here lets one run at a time
    per licence in this process; between processes the database's guards decide, as
    before.  A lock lives while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[asyncio.AbstractEventLoop, str], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def _one(self, key: tuple[asyncio.AbstractEventLoop, str]) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @asynccontextmanager
    async def hold(self, names: Iterable[str]) -> AsyncIterator[None]:
        """Hold the locks of ``names`` (sorted, so two holders never wait on each other)."""
        loop = asyncio.get_running_loop()
        async with AsyncExitStack() as stack:
            for name in sorted(set(names)):
                await stack.enter_async_context(self._one((loop, name)))
            yield


async def run_transaction(
    client: AsyncMongoClient[Document],
    work: Callable[[AsyncClientSession], Awaitable[T]],
    *,
    attempts: int = 20,
) -> T:
    """Run ``work`` in a snapshot transaction with majority commit, retrying conflicts."""
    for attempt in range(attempts):
        async with client.start_session() as session:
            try:
                return await session.with_transaction(
                    work,
                    read_concern=ReadConcern("snapshot"),
                    write_concern=WriteConcern("majority"),
                )
            except ConcurrentUpdate:
                if attempt == attempts - 1:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def canonical(value: Any) -> Any:
    """A JSON-safe form of a message in which equal content gives equal text."""
    return _canonical(value)


def content_hash(operation: str, content: Any) -> str:
    """SHA-256 of an operation name and its canonical content."""
    text = json.dumps([operation, _canonical(content)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """What an idempotent operation produced: its stored result, or the problems that
    stopped it (nothing was written then), and whether this was a resend."""

    result: Document | None
    problems: list[Problem]
    replayed: bool = False


def problems_doc(problems: Iterable[Problem]) -> list[Document]:
    """A refusal as its idempotency record keeps it: ``[{code, message, field}]``."""
    return [{"code": p.code, "message": p.message, "field": list(p.field)} for p in problems]


class _Recorded(NamedTuple):
    """A problem as a refusal's idempotency record keeps it (``problems_doc``)."""

    code: str
    message: str
    field: list[str | int]


def problems_of(docs: Iterable[Document]) -> list[Problem]:
    """The problems of a refusal's idempotency record, as first answered (their codes
    were made by the rules that refused then)."""
    recorded = [_Recorded(d["code"], d["message"], d.get("field") or []) for d in docs]
    return [Problem(r.code, r.message, tuple(r.field)) for r in recorded]


async def _replay(
    db: AsyncDatabase[Document],
    scope: str,
    key: str,
    operation: str,
    digest: str,
    key_field: str = "messageId",
) -> Outcome | None:
    """The first answer under (``scope``, ``key``): its result, or its refusal (a record
    with ``problems``; records of successes have none), or the refusal of a reused key."""
    record = await db.idempotency.find_one({"scope": scope, "key": key})
    if record is None:
        return None
    if record["operation"] != operation or record["hash"] != digest:
        return Outcome(None, [key_reused(key, key_field, record["operation"])])
    if record.get("problems"):
        return Outcome(None, problems_of(record["problems"]), replayed=True)
    return Outcome(record["result"], [], replayed=True)


async def _remember_refusal(
    db: AsyncDatabase[Document],
    record: Document,
    problems: list[Problem],
    key_field: str,
) -> Outcome:
    """Record a refusal under its key, after its transaction aborted.  The unique index
    on (scope, key) decides a race: when a concurrent send of the key recorded first (a
    success it committed, or its own refusal), that record is the answer for both."""
    try:
        await db.idempotency.insert_one(
            {**record, "result": None, "problems": problems_doc(problems)}
        )
    except DuplicateKeyError as error:
        if not _is_idempotency_clash(error):
            raise
        digest, operation = record["hash"], record["operation"]
        earlier = await _replay(db, record["scope"], record["key"], operation, digest, key_field)
        if earlier is None:  # pragma: no cover - the clash proves the record exists
            raise
        return earlier
    return Outcome(None, problems)


async def idempotent(
    client: AsyncMongoClient[Document],
    db: AsyncDatabase[Document],
    *,
    scope: str,
    key: str,
    operation: str,
    content: Any,
    now: datetime,
    work: Callable[[AsyncClientSession], Awaitable[Document]],
    key_field: str = "messageId",
) -> Outcome:
    """Run ``work`` once per (scope, key): the first answer, a success or a refusal, is
    the answer to every send of the key with the same content (``replayed``).

    ``work`` runs inside a transaction and returns the result document to keep (ids,
    figures), recorded in that transaction; it raises :class:`RuleViolation` to refuse,
    which writes nothing but the refusal's record (DESIGN "Refusals are answers too"):
    a new attempt takes a new key.
    """
    digest = content_hash(operation, content)
    if (earlier := await _replay(db, scope, key, operation, digest, key_field)) is not None:
        return earlier
    record: Document = {"scope": scope, "key": key, "operation": operation, "hash": digest}

    async def transaction(session: AsyncClientSession) -> Document:
        result = await work(session)
        await db.idempotency.insert_one({**record, "result": result, "at": now}, session=session)
        return result

    try:
        result = await run_transaction(client, transaction)
    except RuleViolation as refusal:
        # A send of the same key that ran concurrently may have committed first: this
        # one's transaction then saw that send's effect (ALREADY_ACCOUNTED,
        # DECLARATION_CLOSED ...) and its record with it; recording the refusal then
        # clashes, and the first answer is the answer.
        return await _remember_refusal(db, {**record, "at": now}, refusal.problems, key_field)
    except DuplicateKeyError as error:
        if not _is_idempotency_clash(error):
            raise
        # A concurrent request with the same key committed first.
        earlier = await _replay(db, scope, key, operation, digest, key_field)
        if earlier is None:  # pragma: no cover - the clash proves the record exists
            raise
        return earlier
    except (WriteError, BulkWriteError) as error:
        # The last guard: a write a collection's validator refused (the rules should have
        # refused it first) is a typed refusal, never a masked error or a logged document.
        if (problem := validation_refusal(error)) is None:
            raise
        return Outcome(None, [problem])
    return Outcome(result, [])


def _is_idempotency_clash(error: DuplicateKeyError) -> bool:
    details = error.details or {}
    pattern = details.get("keyPattern") or {}
    if pattern:
        return set(pattern) == {"scope", "key"}
    return "scope" in str(error) and "key" in str(error)
