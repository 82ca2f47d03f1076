"""Licence registry through the API (Order 1907 p.2-3): feed messages, history,
idempotency, typed refusals that change nothing, roles."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx

from api.db import Database
from tests.support.api import OTHER_INN, Api, LiveApi
from tests.support.licenses import AMEND, REGISTER, STATUS, license_input, unique
from tests.support.snapshots import collections


async def snapshot(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every document of the collections a licence message can touch (but the records
    of remembered refusals, ``tests/support/snapshots.py``)."""
    return await collections(database, ("licenses", "license_history", "idempotency"))


async def register(api: Api, data: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(REGISTER, {"input": data}))["registerLicense"]
    return payload


async def test_p2_register_license_from_feed(api: Api) -> None:
    """Order 1907 p.2: licence data received from EAIS is stored with its lines, and each
    line's figures are exact decimal strings, all zero before any accounting."""
    data = license_input()
    payload = await register(api, data)
    assert payload["userErrors"] == []
    assert payload["replayed"] is False
    lic = payload["license"]
    assert lic["number"] == data["number"]
    assert lic["status"] == "ACTIVE"
    assert lic["controlMode"] == "ELECTRONIC"
    assert lic["version"] == 1
    assert lic["lines"][1] == {
        "lineNo": 2,
        "name": "Медная проволока",
        "hsCode": "7408",
        "unit": "166",
        "unitName": "кг",
        "quantityLimit": "1500.125",
        "accounted": "0",
        "released": "0",
        "available": "1500.125",
        "excess": "0",
        "valueLimit": None,
        "valueAvailable": None,
        "currency": None,
        "exhausted": False,
    }
    assert lic["lines"][0]["valueLimit"] == "250000"


async def test_p3_history_keeps_every_message_with_sender_and_time(api: Api) -> None:
    """Order 1907 p.3: the information on execution of the licence is kept: every
    message, who sent it and when."""
    data = license_input()
    await register(api, data)
    number = data["number"]
    for mutation in ("suspendLicense", "resumeLicense"):
        body = await api.data(
            STATUS % mutation,
            {"input": {"messageId": unique("m"), "number": number, "reason": "решение"}},
        )
        assert body[mutation]["userErrors"] == []
    query = """query($n: String!) { license(number: $n) { version status
        history { seq kind messageId sentBy { name } receivedAt payload } } }"""
    lic = (await api.data(query, {"n": number}))["license"]
    assert lic["version"] == 3
    assert lic["status"] == "ACTIVE"
    assert [h["kind"] for h in lic["history"]] == ["RESUMED", "SUSPENDED", "REGISTERED"]
    assert [h["seq"] for h in lic["history"]] == [3, 2, 1]
    assert lic["history"][2]["messageId"] == data["messageId"]
    assert lic["history"][2]["sentBy"]["name"] == "test integrator"
    assert lic["history"][2]["receivedAt"] == "2027-03-01T09:00:00+00:00"
    assert lic["history"][2]["payload"]["lines"][1]["quantity_limit"] == "1500.125"


async def test_p9_suspend_resume_terminate(api: Api) -> None:
    """Order 1907 p.9: suspension and termination arrive from the feed; a terminated
    licence takes no further message."""
    data = license_input()
    await register(api, data)

    async def send(mutation: str) -> dict[str, Any]:
        body = await api.data(
            STATUS % mutation,
            {"input": {"messageId": unique("m"), "number": data["number"], "reason": "x"}},
        )
        result: dict[str, Any] = body[mutation]
        return result

    assert (await send("suspendLicense"))["license"]["status"] == "SUSPENDED"
    assert (await send("suspendLicense"))["userErrors"][0]["code"] == "INVALID_STATUS_TRANSITION"
    assert (await send("terminateLicense"))["license"]["status"] == "TERMINATED"
    refused = await send("resumeLicense")
    assert refused["license"] is None
    assert refused["userErrors"][0]["code"] == "INVALID_STATUS_TRANSITION"


async def test_p3_amend_lines_dates_holder(api: Api) -> None:
    """Order 1907 p.3: an amendment replaces a line by number (figures kept), adds new
    lines, and changes dates and holder."""
    data = license_input()
    await register(api, data)
    amendment = {
        "messageId": unique("m"),
        "number": data["number"],
        "validTo": "2028-06-30",
        "holder": {"inn": OTHER_INN, "name": "АО «Новый держатель»"},
        "lines": [
            {"lineNo": 2, "name": "Медная проволока", "hsCode": "7408", "unit": "168",
             "quantityLimit": "2"},
            {"lineNo": 3, "name": "Кабель", "hsCode": "854449", "unit": "006",
             "quantityLimit": "300"},
        ],
    }  # fmt: skip
    payload = (await api.data(AMEND, {"input": amendment}))["amendLicense"]
    assert payload["userErrors"] == []
    lic = payload["license"]
    assert lic["validTo"] == "2028-06-30"
    assert lic["holder"] == {"inn": OTHER_INN, "name": "АО «Новый держатель»"}
    assert [(li["lineNo"], li["unit"], li["quantityLimit"]) for li in lic["lines"]] == [
        (1, "796", "100"),
        (2, "168", "2"),
        (3, "006", "300"),
    ]
    assert lic["version"] == 2


async def test_amendment_that_inverts_validity_is_refused(api: Api, database: Database) -> None:
    data = license_input()
    await register(api, data)
    before = await snapshot(database)
    amendment = {"messageId": unique("m"), "number": data["number"], "validTo": "2026-01-01"}
    payload = (await api.data(AMEND, {"input": amendment}))["amendLicense"]
    assert payload["userErrors"][0]["code"] == "INVALID_VALIDITY"
    assert await snapshot(database) == before


async def test_p2_legacy_license_is_stored_with_its_mode(api: Api) -> None:
    """Order 1907 p.2: a licence put on control before the Technology is stored as
    LEGACY (accounting refuses it later with that reason)."""
    payload = await register(api, license_input(controlMode="LEGACY"))
    assert payload["license"]["controlMode"] == "LEGACY"


# --- idempotency -------------------------------------------------------------------


async def test_same_message_twice_changes_nothing(api: Api, database: Database) -> None:
    data = license_input()
    first = await register(api, data)
    before = await snapshot(database)
    again = await register(api, data)
    assert again["replayed"] is True
    assert again["userErrors"] == []
    assert again["license"]["id"] == first["license"]["id"]
    assert await snapshot(database) == before


async def test_same_message_id_with_other_content_is_refused(api: Api, database: Database) -> None:
    data = license_input()
    await register(api, data)
    before = await snapshot(database)
    other = copy.deepcopy(data)
    other["lines"][0]["quantityLimit"] = "101"
    payload = await register(api, other)
    assert payload["license"] is None
    assert payload["userErrors"] == [
        {
            "code": "MESSAGE_ID_REUSED",
            "message": payload["userErrors"][0]["message"],
            "field": ["input", "messageId"],
        }
    ]
    assert await snapshot(database) == before


async def test_same_status_message_twice_is_one_change(api: Api, database: Database) -> None:
    data = license_input()
    await register(api, data)
    message = {"messageId": unique("m"), "number": data["number"], "reason": "решение"}
    first = (await api.data(STATUS % "suspendLicense", {"input": message}))["suspendLicense"]
    before = await snapshot(database)
    second = (await api.data(STATUS % "suspendLicense", {"input": message}))["suspendLicense"]
    assert first["license"]["version"] == second["license"]["version"] == 2
    assert second["replayed"] is True
    assert second["userErrors"] == []
    assert await snapshot(database) == before


async def test_reused_number_with_other_content_is_refused(api: Api, database: Database) -> None:
    data = license_input()
    await register(api, data)
    before = await snapshot(database)
    other = license_input(number=data["number"], issuingAuthority="Другой орган")
    payload = await register(api, other)
    assert payload["license"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["NUMBER_ALREADY_REGISTERED"]
    assert payload["userErrors"][0]["field"] == ["input", "number"]
    assert await snapshot(database) == before


async def test_same_registration_under_new_message_id_returns_the_license(api: Api) -> None:
    data = license_input()
    first = await register(api, data)
    resent = await register(api, {**data, "messageId": unique("msg")})
    assert resent["userErrors"] == []
    assert resent["license"]["id"] == first["license"]["id"]
    assert resent["license"]["version"] == 1


async def test_concurrent_resends_of_one_message_register_once(live_api: LiveApi) -> None:
    """Ten copies of one registration race from separate connections: one licence, one
    history entry, every answer the same licence."""
    data = license_input()
    headers = {"x-api-key": live_api.keys["INTEGRATOR"]}

    async def send() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=live_api.base_url, headers=headers) as http:
            response = await http.post(
                "/graphql", json={"query": REGISTER, "variables": {"input": data}}
            )
            body: dict[str, Any] = response.json()
            return body

    results = await asyncio.gather(*(send() for _ in range(10)))
    ids = {r["data"]["registerLicense"]["license"]["id"] for r in results}
    assert len(ids) == 1
    db = live_api.database.db
    assert await db.licenses.count_documents({"number": data["number"]}) == 1
    lic = await db.licenses.find_one({"number": data["number"]})
    assert lic is not None
    assert await db.license_history.count_documents({"licenseId": lic["_id"]}) == 1


async def test_different_messages_racing_on_one_license_both_apply(live_api: LiveApi) -> None:
    """An amendment and a suspension sent at once from separate connections: both take
    effect, in some order, and the history has both."""
    data = license_input()
    headers = {"x-api-key": live_api.keys["INTEGRATOR"]}
    async with httpx.AsyncClient(base_url=live_api.base_url, headers=headers) as http:
        await http.post("/graphql", json={"query": REGISTER, "variables": {"input": data}})
    amendment = {"messageId": unique("m"), "number": data["number"], "validTo": "2028-01-31"}
    suspension = {"messageId": unique("m"), "number": data["number"], "reason": "проверка"}

    async def send(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=live_api.base_url, headers=headers) as http:
            body: dict[str, Any] = (
                await http.post("/graphql", json={"query": query, "variables": variables})
            ).json()
            return body

    for _ in range(3):  # several rounds raise the odds of a true overlap
        amendment["messageId"], suspension["messageId"] = unique("m"), unique("m")
        amend, suspend = await asyncio.gather(
            send(AMEND, {"input": amendment}),
            send(STATUS % "suspendLicense", {"input": suspension}),
        )
        assert amend["data"]["amendLicense"]["userErrors"] == []
        assert suspend["data"]["suspendLicense"]["userErrors"] == []
        resume = {**suspension, "messageId": unique("m")}
        await send(STATUS % "resumeLicense", {"input": resume})
    lic = await live_api.database.db.licenses.find_one({"number": data["number"]})
    assert lic is not None
    assert lic["validTo"].date().isoformat() == "2028-01-31"
    assert lic["version"] == 10  # 1 registration + 3 x (amend, suspend, resume)
    kinds = [
        h["kind"]
        async for h in live_api.database.db.license_history.find({"licenseId": lic["_id"]})
    ]
    assert sorted(kinds).count("AMENDED") == 3
    assert sorted(kinds).count("SUSPENDED") == 3
