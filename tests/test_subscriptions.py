"""Subscriptions over WebSocket (graphql-transport-ws) against a real uvicorn server, fed
by change streams: a client follows notifications and licence figures while ANOTHER
client accounts declarations over HTTP (Order 1907 p.7-10).  Nothing is mocked."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from services.change_feeds import FeedFailed, Subscriber, SubscriberTooSlow, ready_subscribers
from tests.support.api import OTHER_INN, Api, LiveApi
from tests.support.declarations import (
    ACCOUNT,
    CONTROL,
    RELEASE,
    declaration_input,
    item,
    new_license,
    op,
    register,
)
from tests.support.licenses import STATUS, unique

TIMEOUT = 10.0
PROTOCOL = Subprotocol("graphql-transport-ws")
NOW = "2027-03-01T09:00:00+00:00"  # inside the test licences' validity
_ids = itertools.count(1)

NOTIFICATIONS = """subscription($n: String) {
  accountingNotifications(licenseNumber: $n) {
    id kind declarationNumber licenseNumbers
    entries { licenseNumber lineNo itemNo operation quantity value }
  }
}"""

BALANCES = """subscription($n: String!) {
  licenseBalances(number: $n) {
    number status lines { lineNo quantityLimit accounted released available }
  }
}"""


@pytest.fixture
async def http(live_api: LiveApi) -> AsyncIterator[Api]:
    """The other client: GraphQL over HTTP to the same live server."""
    async with httpx.AsyncClient(base_url=live_api.base_url, timeout=30) as client:
        yield Api(http=client, keys=live_api.keys, headers={"x-customs-now": NOW})


def ws_url(live_api: LiveApi) -> str:
    return live_api.base_url.replace("http://", "ws://") + "/graphql"


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    return message


@asynccontextmanager
async def connected(live_api: LiveApi, payload: dict[str, Any]) -> AsyncIterator[ClientConnection]:
    """An acknowledged graphql-transport-ws connection."""
    async with connect(ws_url(live_api), subprotocols=[PROTOCOL]) as ws:
        assert ws.subprotocol == PROTOCOL
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = await receive(ws)
        assert ack["type"] == "connection_ack", ack
        yield ws


async def subscribe(ws: ClientConnection, query: str, variables: dict[str, Any]) -> str:
    op_id = str(next(_ids))
    message = {
        "id": op_id,
        "type": "subscribe",
        "payload": {"query": query, "variables": variables},
    }
    await ws.send(json.dumps(message))
    return op_id


async def next_data(ws: ClientConnection, op_id: str) -> dict[str, Any]:
    message = await receive(ws)
    assert message == {**message, "id": op_id, "type": "next"}, message
    assert "errors" not in message["payload"], message
    data: dict[str, Any] = message["payload"]["data"]
    return data


async def feed_has(live_api: LiveApi, collection: str, count: int) -> None:
    """Wait until ``count`` subscribers receive the feed (the server runs in this loop):
    from then on every commit reaches them."""
    db = live_api.database.db
    async with asyncio.timeout(TIMEOUT):
        while ready_subscribers(db, collection) != count:  # noqa: ASYNC110 - no event to await
            await asyncio.sleep(0.01)


async def accounted(api: Api, license: str, quantity: str, **extra: Any) -> str:
    """A declaration of ``quantity`` on line 1 of ``licence``, controlled and accounted by
    an officer over HTTP; its number."""
    declaration = declaration_input([item(license, quantity=quantity)], **extra)
    registered = await register(api, declaration, role="OFFICER")
    assert registered["userErrors"] == [], registered
    number: str = registered["declaration"]["number"]
    assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
    result = await op(api, ACCOUNT, {"number": number})
    assert result["userErrors"] == [], result
    return number


# --- accountingNotifications -------------------------------------------------------------


async def test_notification_reaches_a_subscriber_of_its_license(
    live_api: LiveApi, http: Api
) -> None:
    """Order 1907 p.10: the accounting notification is pushed to the subscriber of its
    licence, and not that of another licence."""
    followed = await new_license(http)
    other = await new_license(http)
    await feed_has(live_api, "notifications", 0)
    async with connected(live_api, {"X-API-Key": live_api.keys["OFFICER"]}) as ws:
        op_id = await subscribe(ws, NOTIFICATIONS, {"n": followed})
        await feed_has(live_api, "notifications", 1)

        await accounted(http, other, "5")  # another licence: not for this subscriber
        number = await accounted(http, followed, "40")

        data = await next_data(ws, op_id)
        notification = data["accountingNotifications"]
        assert notification["kind"] == "ACCOUNTED"
        assert notification["declarationNumber"] == number
        assert notification["licenseNumbers"] == [followed]
        assert notification["entries"] == [
            {
                "licenseNumber": followed,
                "lineNo": 1,
                "itemNo": 1,
                "operation": "WRITE_OFF",
                "quantity": "40",
                "value": "40000",
            }
        ]
        # The same notification through the query: the same global ID.
        body = await http.data(
            "query($d: String) { accountingNotifications(declarationNumber: $d) "
            "{ edges { node { id } } } }",
            {"d": number},
            role="OFFICER",
        )
        assert body["accountingNotifications"]["edges"] == [{"node": {"id": notification["id"]}}]

        # Annulment on withdrawal (p.4) is notified too.
        withdrawn = await http.data(
            "mutation($i: WithdrawDeclarationInput!) { withdrawDeclaration(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"idempotencyKey": unique("k"), "number": number, "reason": "test"}},
            role="OFFICER",
        )
        assert withdrawn["withdrawDeclaration"]["userErrors"] == []
        annulled = (await next_data(ws, op_id))["accountingNotifications"]
        assert (annulled["kind"], annulled["declarationNumber"]) == ("ANNULLED", number)
        assert [e["operation"] for e in annulled["entries"]] == ["ANNULMENT"]

        await ws.send(json.dumps({"id": op_id, "type": "complete"}))
        await feed_has(live_api, "notifications", 0)


async def test_declarant_receives_only_its_own_declarations(live_api: LiveApi, http: Api) -> None:
    """A DECLARANT key follows all licences but gets only its own declarations' notices."""
    own = await new_license(http)
    others = await new_license(http, holder={"inn": OTHER_INN, "name": "АО «Лютик»"})
    await feed_has(live_api, "notifications", 0)
    async with (
        connected(live_api, {"apiKey": live_api.keys["DECLARANT"]}) as mine,
        connected(live_api, {"x-api-key": live_api.keys["OTHER_DECLARANT"]}) as theirs,
    ):
        mine_id = await subscribe(mine, NOTIFICATIONS, {})
        theirs_id = await subscribe(theirs, NOTIFICATIONS, {})
        await feed_has(live_api, "notifications", 2)

        own_number = await accounted(http, own, "3")
        others_number = await accounted(http, others, "4", declarantInn=OTHER_INN)

        first_mine = (await next_data(mine, mine_id))["accountingNotifications"]
        first_theirs = (await next_data(theirs, theirs_id))["accountingNotifications"]
        assert first_mine["declarationNumber"] == own_number
        assert first_theirs["declarationNumber"] == others_number  # not own_number first


# --- licenseBalances ---------------------------------------------------------------------


async def test_license_balances_follow_the_figures(live_api: LiveApi, http: Api) -> None:
    """The licence now, then on every change of its figures (p.7 accounting, p.8 release);
    a suspension and resumption change no figure and send nothing."""
    license = await new_license(http)
    async with connected(live_api, {"X-API-Key": live_api.keys["ANALYST"]}) as ws:
        op_id = await subscribe(ws, BALANCES, {"n": license})
        now = (await next_data(ws, op_id))["licenseBalances"]  # the stream is open now
        assert now["number"] == license
        assert [(li["accounted"], li["available"]) for li in now["lines"]] == [
            ("0", "100"),
            ("0", "1500.125"),
        ]

        number = await accounted(http, license, "40")
        after = (await next_data(ws, op_id))["licenseBalances"]
        assert after["lines"][0] == {
            "lineNo": 1,
            "quantityLimit": "100",
            "accounted": "40",
            "released": "0",
            "available": "60",
        }
        assert after["lines"][1]["accounted"] == "0"

        for mutation in ("suspendLicense", "resumeLicense"):
            message = {"messageId": unique("msg"), "number": license, "reason": "test"}
            body = await http.data(STATUS % mutation, {"input": message}, role="INTEGRATOR")
            assert body[mutation]["userErrors"] == []

        released = await op(http, RELEASE, {"number": number})
        assert released["userErrors"] == [], released
        after = (await next_data(ws, op_id))["licenseBalances"]
        assert after["status"] == "ACTIVE"
        assert (after["lines"][0]["accounted"], after["lines"][0]["released"]) == ("40", "40")


async def test_declarant_cannot_follow_another_holders_license(
    live_api: LiveApi, http: Api
) -> None:
    license = await new_license(http)  # issued to HOLDER_INN
    async with connected(live_api, {"apiKey": live_api.keys["OTHER_DECLARANT"]}) as ws:
        op_id = await subscribe(ws, BALANCES, {"n": license})
        message = await receive(ws)
        assert message["type"] == "next", message
        assert message["payload"]["data"] is None
        [error] = message["payload"]["errors"]
        assert error["extensions"]["code"] == "LICENSE_NOT_FOUND"
        assert await receive(ws) == {"id": op_id, "type": "complete"}


# --- authentication and protocol -----------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [{}, {"X-API-Key": "ck_unknown_secret"}, {"apiKey": 42}, {"Authorization": "x"}],
)
async def test_connection_without_a_valid_key_is_rejected(
    live_api: LiveApi, payload: dict[str, Any]
) -> None:
    async with connect(ws_url(live_api), subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Forbidden")


async def test_revoked_key_is_rejected(live_api: LiveApi) -> None:
    from api.auth import create_api_key
    from domain.access import Role
    from tests.support.api import START

    db = live_api.database.db
    key = await create_api_key(db, name="revoked", role=Role.OFFICER, inn=None, now=START)
    await db.api_keys.update_one({"_id": key.split("_")[1]}, {"$set": {"revokedAt": START}})
    async with connect(ws_url(live_api), subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"apiKey": key}}))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_subscribe_before_connection_init_is_unauthorised(live_api: LiveApi) -> None:
    async with connect(ws_url(live_api), subprotocols=[PROTOCOL]) as ws:
        await subscribe(ws, NOTIFICATIONS, {})
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_only_graphql_transport_ws_is_spoken(live_api: LiveApi) -> None:
    async with connect(ws_url(live_api), subprotocols=[Subprotocol("graphql-ws")]) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406


async def test_queries_and_mutations_go_over_http(live_api: LiveApi) -> None:
    """The socket carries subscriptions only: a query's moment and loaders are per request."""
    async with connected(live_api, {"apiKey": live_api.keys["OFFICER"]}) as ws:
        op_id = await subscribe(ws, "query { __typename }", {})
        message = await receive(ws)
        assert (message["type"], message["id"]) == ("error", op_id)
        assert message["payload"][0]["extensions"] == {"code": "SUBSCRIPTIONS_ONLY"}
        assert "over HTTP POST /graphql" in message["payload"][0]["message"]


async def test_unknown_license_is_reported(live_api: LiveApi) -> None:
    async with connected(live_api, {"apiKey": live_api.keys["INTEGRATOR"]}) as ws:
        op_id = await subscribe(ws, BALANCES, {"n": "no-such-licence"})
        message = await receive(ws)
        assert (message["id"], message["type"]) == (op_id, "next")
        assert message["payload"]["errors"][0]["extensions"]["code"] == "LICENSE_NOT_FOUND"
        assert await receive(ws) == {"id": op_id, "type": "complete"}


# --- the subscriber buffer ---------------------------------------------------------------


async def test_a_subscriber_that_falls_behind_is_ended() -> None:
    """A slow client does not hold the server's memory: past its buffer it is dropped."""
    subscriber = Subscriber(limit=2)
    subscriber.push({"n": 1})
    subscriber.push({"n": 2})
    assert await subscriber.next() == {"n": 1}
    subscriber.push({"n": 3})
    subscriber.push({"n": 4})  # one over the limit: the buffer is dropped
    with pytest.raises(SubscriberTooSlow) as ended:
        await subscriber.next()
    assert ended.value.extensions == {"code": "SUBSCRIBER_TOO_SLOW"}


async def test_a_failed_feed_ends_subscribers_after_what_they_have() -> None:
    subscriber = Subscriber()
    waiting = asyncio.create_task(subscriber.next())
    await asyncio.sleep(0)
    subscriber.push({"n": 1})
    assert await waiting == {"n": 1}
    subscriber.push({"n": 2})
    subscriber.fail(FeedFailed("the change feed of notifications stopped; subscribe again"))
    assert await subscriber.next() == {"n": 2}
    with pytest.raises(FeedFailed):
        await subscriber.next()
