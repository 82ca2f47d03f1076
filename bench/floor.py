"""The floor of the read benchmark (``bench/read.py``): a bare ASGI callable on uvicorn
that answers ONE question with the fewest database round trips, as a yardstick for the
API's cost of the same answer.

    python bench/floor.py --uri MONGODB_URI --database NAME --port PORT [--plan lookup|two]

The question: the first ``--first`` licences in the API's default order (by number), each
with number, status, holder, lines with their figures, and its ``--entries`` newest
ledger entries (seq, operation, quantity, at).  ``POST /graphql`` answers it whatever
the body says, in the API's JSON shape (``data.licenses.edges[].node``, the ledger as
``ledger.edges[].node``), decimals as the API writes them.

Plans (both read the same collections the API reads):

``lookup`` (default), 1 round trip
    ``licenses.aggregate``: ``$sort`` by number, ``$limit``, ``$project``, and a
    ``$lookup`` of ``ledger`` on ``licenseId`` with a sub-pipeline ``$sort`` seq
    descending, ``$limit``, ``$project``.
``two``, 2 round trips
    ``licenses.find`` with a projection, then ``ledger.find({licenseId: {$in: ids}})``
    with a projection; the newest entries of each licence are kept in Python.

The API key is checked once per distinct key and cached (the API looks it up on every
request).  No GraphQL parsing, no validation, no access policy: it is a floor, not an
alternative.  ``GET /stats`` gives the database commands this process has sent (a
pymongo ``CommandListener``), ``GET /readyz`` pings the database.

It imports nothing from the project, on purpose.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import uvicorn
from bson.codec_options import CodecOptions
from bson.decimal128 import Decimal128
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

Document = dict[str, Any]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: The fields of the question, as stored.
LICENSE_FIELDS: Document = {
    "_id": 1,
    "number": 1,
    "state": 1,
    "holder.inn": 1,
    "holder.name": 1,
    "lines.lineNo": 1,
    "lines.name": 1,
    "lines.hsCode": 1,
    "lines.unit": 1,
    "lines.quantityLimit": 1,
    "lines.accounted": 1,
    "lines.released": 1,
    "lines.available": 1,
}
ENTRY_FIELDS: Document = {
    "_id": 0,
    "licenseId": 1,
    "seq": 1,
    "operation": 1,
    "quantity": 1,
    "at": 1,
}
#: One reply holds every document: no getMore.
BATCH = 100_000


class CommandCounter(CommandListener):
    """Counts the commands this process sends (heartbeats are not command events)."""

    def __init__(self) -> None:
        self.count = 0

    def started(self, event: CommandStartedEvent) -> None:
        self.count += 1

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


def decimal_text(value: Decimal128 | Decimal) -> str:
    """The API's Decimal scalar: no exponent, no trailing zeros ("2", "1500.125")."""
    number = value.to_decimal() if isinstance(value, Decimal128) else value
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def shown_available(value: Decimal128 | Decimal) -> str:
    """``available`` as the API shows it: never below zero (the rest is ``excess``)."""
    number = value.to_decimal() if isinstance(value, Decimal128) else value
    return decimal_text(max(number, Decimal(0)))


def entry_node(entry: Document) -> Document:
    at: datetime = entry["at"]
    return {
        "node": {
            "seq": entry["seq"],
            "operation": entry["operation"],
            "quantity": decimal_text(entry["quantity"]),
            "at": at.isoformat(),
        }
    }


def license_node(doc: Document, entries: list[Document]) -> Document:
    return {
        "node": {
            "number": doc["number"],
            "status": doc["state"],
            "holder": {"inn": doc["holder"]["inn"], "name": doc["holder"]["name"]},
            "lines": [
                {
                    "lineNo": line["lineNo"],
                    "name": line["name"],
                    "hsCode": line["hsCode"],
                    "unit": line["unit"],
                    "quantityLimit": decimal_text(line["quantityLimit"]),
                    "accounted": decimal_text(line["accounted"]),
                    "released": decimal_text(line["released"]),
                    "available": shown_available(line["available"]),
                }
                for line in doc["lines"]
            ],
            "ledger": {"edges": [entry_node(entry) for entry in entries]},
        }
    }


class Floor:
    """The ASGI application."""

    def __init__(self, uri: str, database: str, *, plan: str, first: int, entries: int) -> None:
        self.uri = uri
        self.database = database
        self.plan = plan
        self.first = first
        self.entries = entries
        self.counter = CommandCounter()
        self.client: AsyncMongoClient[Document] | None = None
        self.db: AsyncDatabase[Document] | None = None
        self.known_keys: dict[str, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if method == "POST" and path == "/graphql":
            while (await receive()).get("more_body"):  # the question is fixed
                pass
            headers = dict(scope["headers"])
            if not await self.key_ok(headers.get(b"x-api-key", b"").decode("latin-1")):
                await respond(send, 401, {"errors": [{"message": "unknown API key"}]})
                return
            try:
                edges = await self.page()
            except Exception as exc:  # answered, so that the benchmark can say what failed
                traceback.print_exc()
                error = {"message": f"{type(exc).__name__}: {exc}", "extensions": {"code": "FLOOR"}}
                await respond(send, 500, {"data": None, "errors": [error]})
                return
            await respond(send, 200, {"data": {"licenses": {"edges": edges}}})
        elif method == "GET" and path == "/readyz":
            assert self.client is not None
            await self.client.admin.command("ping")
            await respond(send, 200, {"status": "ready"})
        elif method == "GET" and path == "/stats":
            await respond(send, 200, {"commands": self.counter.count, "plan": self.plan})
        else:
            await respond(send, 404, {"error": "not found"})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.client = AsyncMongoClient(
                    self.uri,
                    tz_aware=True,
                    event_listeners=[self.counter],
                    appname="floor",
                )
                self.db = self.client.get_database(
                    self.database, codec_options=CodecOptions(tz_aware=True)
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.client is not None:
                    await self.client.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def key_ok(self, presented: str) -> bool:
        """The API's check (``ck_<id>_<secret>``, SHA-256 of the secret stored), once
        per distinct key."""
        known = self.known_keys.get(presented)
        if known is not None:
            return known
        key_id, sep, secret = presented.removeprefix("ck_").partition("_")
        assert self.db is not None
        doc = await self.db.api_keys.find_one({"_id": key_id}) if sep and secret else None
        digest = hashlib.sha256(secret.encode()).hexdigest()
        ok = bool(
            doc is not None
            and doc.get("revokedAt") is None
            and hmac.compare_digest(doc["secretHash"], digest)
        )
        self.known_keys[presented] = ok
        return ok

    async def page(self) -> list[Document]:
        assert self.db is not None
        if self.plan == "two":
            return await self.page_in_two()
        pipeline: list[Document] = [
            {"$sort": {"number": 1}},
            {"$limit": self.first},
            {"$project": LICENSE_FIELDS},
            {
                "$lookup": {
                    "from": "ledger",
                    "localField": "_id",
                    "foreignField": "licenseId",
                    "pipeline": [
                        {"$sort": {"seq": -1}},
                        {"$limit": self.entries},
                        {"$project": ENTRY_FIELDS},
                    ],
                    "as": "ledger",
                }
            },
        ]
        cursor = await self.db.licenses.aggregate(pipeline, batchSize=BATCH)
        return [license_node(doc, doc["ledger"]) async for doc in cursor]

    async def page_in_two(self) -> list[Document]:
        assert self.db is not None
        licenses = (
            await self.db.licenses.find({}, LICENSE_FIELDS)
            .sort("number", 1)
            .limit(self.first)
            .to_list()
        )
        by_license: dict[Any, list[Document]] = defaultdict(list)
        query = {"licenseId": {"$in": [doc["_id"] for doc in licenses]}}
        async for entry in self.db.ledger.find(query, ENTRY_FIELDS).batch_size(BATCH):
            by_license[entry["licenseId"]].append(entry)
        nodes = []
        for doc in licenses:
            entries = sorted(by_license[doc["_id"]], key=lambda e: e["seq"], reverse=True)
            nodes.append(license_node(doc, entries[: self.entries]))
        return nodes


async def respond(send: Send, status: int, body: Document) -> None:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", required=True, help="MongoDB URI")
    parser.add_argument("--database", required=True, help="database name")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--plan", choices=("lookup", "two"), default="lookup")
    parser.add_argument("--first", type=int, default=100, help="licences a page")
    parser.add_argument("--entries", type=int, default=10, help="newest ledger entries each")
    args = parser.parse_args()
    app = Floor(args.uri, args.database, plan=args.plan, first=args.first, entries=args.entries)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
