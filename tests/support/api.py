"""The test client of the API: an in-process ASGI client (:class:`Api`) or a live uvicorn
server (:class:`LiveApi`), and the moments and INNs the tests share."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from api.db import Database

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HOLDER_INN = "7707083893"  # a real-format INN with a valid check digit
OTHER_INN = "7736050003"


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


def free_port() -> int:
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


def bare(body: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL answer without its ``extensions`` (the query cost every answer carries)."""
    return {k: v for k, v in body.items() if k != "extensions"}
