"""Change feeds: one MongoDB change stream per watched collection and process, shared by
every GraphQL subscription that needs it.

A change stream holds a server cursor and keeps a pooled connection busy in ``getMore``;
one per subscription would let a few hundred subscribers starve the HTTP requests of
connections.  So a :class:`ChangeFeed` runs one stream while it has subscribers, hands
each change to every subscriber's buffer, and stops with its last subscriber.

Guarantee: a subscriber receives every change committed after :meth:`ChangeFeed.join`
returned (the stream is open by then), in commit order.  A subscriber that falls
``BUFFER`` changes behind is dropped with :class:`SubscriberTooSlow` rather than holding
memory for ever; a stream that fails (beyond the driver's automatic resume) ends every
subscription with the error, and the next subscriber starts a new stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

log = logging.getLogger(__name__)

Document = dict[str, Any]
BUFFER = 1000


class FeedError(Exception):
    """Ends a subscription; its message is safe to show (``extensions.code``)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.extensions = {"code": code}


class SubscriberTooSlow(FeedError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "SUBSCRIBER_TOO_SLOW")


class FeedFailed(FeedError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "FEED_FAILED")


class Subscriber:
    """One subscription's buffer of changes."""

    def __init__(self, limit: int = BUFFER) -> None:
        self._items: deque[Document] = deque()
        self._limit = limit
        self._wakeup = asyncio.Event()
        self.error: Exception | None = None

    def push(self, change: Document) -> None:
        if self.error is not None:
            return
        if len(self._items) >= self._limit:
            self._items.clear()
            self.fail(
                SubscriberTooSlow(
                    f"the subscription fell {self._limit} changes behind and was ended; "
                    "subscribe again (and read what you missed with a query)"
                )
            )
            return
        self._items.append(change)
        self._wakeup.set()

    def fail(self, error: Exception) -> None:
        self.error = error
        self._wakeup.set()

    async def next(self) -> Document:
        """The next change; raises the feed's error once the buffer is drained."""
        while not self._items:
            if self.error is not None:
                raise self.error
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._items.popleft()


class ChangeFeed:
    """A change stream on one collection while anybody listens."""

    def __init__(
        self,
        db: AsyncDatabase[Document],
        collection: str,
        pipeline: Sequence[Document],
        *,
        full_document: str | None = None,
    ) -> None:
        self.db = db
        self.collection = collection
        self.pipeline = list(pipeline)
        self.full_document = full_document
        self.subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._started: asyncio.Future[None] | None = None

    @property
    def ready_subscribers(self) -> int:
        """Subscribers that are receiving changes (the stream is open)."""
        started = self._started
        if started is None or not started.done() or started.exception() is not None:
            return 0
        return len(self.subscribers)

    @asynccontextmanager
    async def join(self) -> AsyncIterator[Subscriber]:
        """Subscribe for the duration of the block; the stream is open on entry."""
        subscriber = Subscriber()
        self.subscribers.add(subscriber)
        try:
            await self._ensure_running()
            yield subscriber
        finally:
            self.subscribers.discard(subscriber)
            if not self.subscribers:
                self._stop()

    async def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._started = loop.create_future()
            self._task = loop.create_task(self._run(self._started))
        assert self._started is not None
        await asyncio.shield(self._started)

    def _stop(self) -> None:
        """Cancel the stream (not awaited: this runs in subscribers' cleanup, which may
        itself be a cancellation)."""
        task, self._task, self._started = self._task, None, None
        if task is not None and not task.done():
            task.cancel()

    async def _run(self, started: asyncio.Future[None]) -> None:
        try:
            collection = self.db.get_collection(self.collection)
            async with await collection.watch(
                self.pipeline, full_document=self.full_document
            ) as stream:
                started.set_result(None)
                async for change in stream:
                    for subscriber in list(self.subscribers):
                        subscriber.push(change)
            # The stream ended by itself: invalidated (the collection was dropped or
            # renamed).
            log.warning("change stream ended", extra={"collection": self.collection})
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(
                "change stream failed", extra={"collection": self.collection, "error": str(exc)}
            )
            if not started.done():
                started.set_exception(exc)
                # Retrieved by the subscribers awaiting it; mark it so it is never reported
                # as "never retrieved" when they have gone.
                with contextlib.suppress(Exception):
                    started.exception()
        error = FeedFailed(f"the change feed of {self.collection} stopped; subscribe again")
        for subscriber in list(self.subscribers):
            subscriber.fail(error)
        if self._started is started:
            self._task, self._started = None, None


_feeds: dict[tuple[int, str, str], ChangeFeed] = {}


def feed(
    db: AsyncDatabase[Document],
    collection: str,
    pipeline: Sequence[Document],
    *,
    full_document: str | None = None,
) -> ChangeFeed:
    """The process's feed of ``collection`` in ``db`` (one per client, database and
    collection; the pipeline and options of the first caller are kept)."""
    key = (id(db.client), db.name, collection)
    found = _feeds.get(key)
    if found is None or found.db.client is not db.client:
        found = _feeds[key] = ChangeFeed(db, collection, pipeline, full_document=full_document)
    return found


def ready_subscribers(db: AsyncDatabase[Document], collection: str) -> int:
    """How many subscribers currently receive ``collection``'s changes (for tests and
    monitoring)."""
    found = _feeds.get((id(db.client), db.name, collection))
    return 0 if found is None else found.ready_subscribers
