"""What every use case is built from: the request's scope and one idempotent runner.

A service (``LicenseFeed``, ``Declarations``, ``Permits``, ``CustomsOffices``) is a
:class:`Service` built from one :class:`RequestScope` (who asks, when, the database, the
settings that shape the rules), by :class:`services.registry.Services` in the request's
context.  Each use case reads, asks :mod:`domain` for the decision, and writes in one
transaction through :meth:`Service.run`, which makes it idempotent per API key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from domain.access import Principal
from domain.idempotency import check_key
from services.access import Access
from services.transactions import KeyedLocks, Outcome, idempotent

Document = dict[str, Any]
Work = Callable[[AsyncClientSession], Awaitable[Document]]

#: One write at a time per licence (or permit) in this process, the others waiting in
#: line (see :class:`services.transactions.KeyedLocks`); between processes the database's
#: guards decide.
WRITERS = KeyedLocks()


def to_millis(moment: datetime) -> datetime:
    """BSON keeps milliseconds: every stored moment (and every hash of one) is cut to them."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """The settings that shape the rules (the API's settings map onto these)."""

    release_hours: int = 4
    """Release term of a declaration from its registration (DESIGN "Release deadline")."""
    permit_sequence_width: int = 4
    """Minimum width of a permit number's sequence part (DESIGN "Permit number")."""
    permit_max_term_months: int = 36
    """Cap of a permit's term with its extensions (DESIGN "Term")."""
    queue_license_writes: bool = True
    """Queue operations on one licence in this process (see :data:`WRITERS`)."""
    auto_mode_on_registration: bool = False
    """Run the automatic mode (Order 1907 p.13) on every registered declaration."""


@dataclass(frozen=True, slots=True)
class RequestScope:
    """Everything a use case needs from the request."""

    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    principal: Principal
    now: datetime
    config: ServiceConfig = field(default_factory=ServiceConfig)

    @property
    def access(self) -> Access:
        return Access(self.principal)


class Service:
    """The base of every use-case class: the scope, who acts, and the idempotent runner."""

    def __init__(self, scope: RequestScope) -> None:
        self.scope = scope
        self.client = scope.client
        self.db = scope.db
        self.principal = scope.principal
        self.access = scope.access
        self.config = scope.config
        self.now = to_millis(scope.now)

    def by(self) -> Document:
        """Who did it, as stored with every change."""
        return {"keyId": self.principal.key_id, "name": self.principal.name}

    async def run(
        self,
        key: str,
        operation: str,
        content: Any,
        work: Work,
        *,
        key_field: str = "idempotencyKey",
        queue: Iterable[str] = (),
        scope: str | None = None,
    ) -> Outcome:
        """Run ``work`` once per (scope, ``key``) in one transaction (see
        :func:`services.transactions.idempotent`): its first answer, a success or a
        business refusal, is remembered under the key (DESIGN "Refusals are answers too";
        a blank key is refused here, before anything is read, and leaves no record).  The
        scope is the API key (DESIGN "Idempotency keys") unless given (the licence feed's
        message ids are global); ``queue`` names the licences (or permits) it writes,
        taken in line in this process first."""
        if problems := check_key(key, key_field):
            return Outcome(None, problems)
        names = list(queue) if self.config.queue_license_writes else []
        async with WRITERS.hold(names):
            return await idempotent(
                self.client,
                self.db,
                scope=self.principal.key_id if scope is None else scope,
                key=key,
                operation=operation,
                content=content,
                now=self.now,
                work=work,
                key_field=key_field,
            )
