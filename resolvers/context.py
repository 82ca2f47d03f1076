"""The per-request context every resolver receives as ``info.context``: one typed object
carrying all a request needs (who asks, when, the access policy, the services, the
loaders).  The API builds it (``api/app.py``); nothing below reads the API's settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from domain.access import Principal
from resolvers.loaders import Loaders
from services.access import Access
from services.base import RequestScope, ServiceConfig
from services.registry import Services

Document = dict[str, Any]


@dataclass
class Context:
    """Everything a resolver may use: who asks and when, the access policy for them, the
    request's services and loaders, and the database."""

    request: HTTPConnection
    response: Response | None
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    principal: Principal
    now: datetime
    config: ServiceConfig
    loaders: Loaders

    @property
    def access(self) -> Access:
        """The access policy for the principal (:mod:`domain.access`)."""
        return Access(self.principal)

    @property
    def services(self) -> Services:
        """The request's use cases, built on first use; a WebSocket connection's principal
        is set after ``connection_init``, so they follow the principal."""
        built: Services | None = self.__dict__.get("_services")
        if built is None or built.scope.principal is not self.principal:
            built = Services(
                RequestScope(self.client, self.db, self.principal, self.now, self.config)
            )
            self.__dict__["_services"] = built
        return built


Info = StrawberryInfo[Context, None]
