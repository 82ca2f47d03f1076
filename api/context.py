"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from api.auth import Principal
from api.settings import Settings
from resolvers.loaders import Loaders

Document = dict[str, Any]


@dataclass
class Context:
    """Everything a resolver may use: the database, who asks, when, and the loaders."""

    request: HTTPConnection
    response: Response | None
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    settings: Settings
    principal: Principal
    now: datetime
    loaders: Loaders


Info = StrawberryInfo[Context, None]
