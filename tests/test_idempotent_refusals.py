"""DESIGN "Refusals are answers too": an idempotency key remembers a business refusal as
well as a success.  A resend with the same content gets the same refusal with
``replayed: true``, even when the operation would succeed by now; other content under
the key is refused as a reused key; a new attempt takes a new key.  A request refused for
its input alone, before anything is read, leaves no record (its key stays unused).

Two sends of one key racing: whichever record is stored first (the success committed in
its transaction, or the refusal recorded after its transaction aborted) is the answer for
both; the unique index on (scope, key) decides."""

from __future__ import annotations

import asyncio
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from api.db import Database
from domain.problems import Problem, RuleViolation
from services.transactions import Outcome, content_hash, idempotent
from tests.support.api import START, Api
from tests.support.declarations import (
    ACCOUNT,
    CONTROL,
    RELEASE,
    WITHDRAW,
    declaration_input,
    item,
    new_license,
    op,
    register,
)
from tests.support.licenses import REGISTER, STATUS, license_input, unique
from tests.support.snapshots import REFUSALS, collections

Document = dict[str, Any]

#: Every collection a declaration or licence operation can touch.
TOUCHED = (
    "licenses",
    "license_history",
    "ledger",
    "declarations",
    "declaration_revisions",
    "notifications",
    "idempotency",
)

REGISTER_DECLARATION = """
mutation($input: RegisterDeclarationInput!) {
  registerDeclaration(input: $input) {
    replayed declaration { number } userErrors { code message field }
  }
}"""


async def registered(api: Api, quantity: str = "10") -> tuple[str, str]:
    """A new licence of HOLDER_INN and a declaration of ``quantity`` on its line 1,
    registered (not controlled): the licence and declaration numbers."""
    license = await new_license(api)
    payload = await register(api, declaration_input([item(license, quantity=quantity)]))
    assert payload["userErrors"] == [], payload
    number: str = payload["declaration"]["number"]
    return license, number


async def record(database: Database, key: str) -> Document:
    """The idempotency record of ``key`` without its id, scope and moment."""
    found = await database.db.idempotency.find({"key": key}).to_list()
    assert len(found) == 1, found
    return {k: v for k, v in found[0].items() if k not in ("_id", "scope", "at")}


async def everything(database: Database) -> dict[str, list[Document]]:
    """Every document of the collections an operation can touch, refusal records too."""
    result = await collections(database, TOUCHED)
    result["refusals"] = await database.db.idempotency.find(REFUSALS).sort("_id", 1).to_list()
    return result


async def status(api: Api, number: str) -> str:
    body = await api.data(
        "query($n: String!) { declaration(number: $n) { status } }", {"n": number}, role="OFFICER"
    )
    result: str = body["declaration"]["status"]
    return result


async def test_a_refused_accounting_is_replayed_even_once_it_would_succeed(
    api: Api, database: Database
) -> None:
    """The issue's case: accountDeclaration refused (not controlled yet) under a key; the
    declaration is controlled; the resend of the key gets the same refusal, replayed, and
    writes nothing (before, it accounted)."""
    _, number = await registered(api)
    key = unique("acc")
    first = await op(api, ACCOUNT, {"idempotencyKey": key, "number": number})
    refusal = [
        {
            "code": "NOT_CONTROLLED",
            "message": "control the declaration first (Order 1907 p.6)",
            "field": [],
        }
    ]
    assert first == {"replayed": False, "declaration": None, "userErrors": refusal}
    assert await record(database, key) == {
        "key": key,
        "operation": "accountDeclaration",
        "hash": content_hash("accountDeclaration", {"number": number}),
        "result": None,
        "problems": [{**refusal[0], "field": []}],
    }

    assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
    before = await everything(database)
    again = await op(api, ACCOUNT, {"idempotencyKey": key, "number": number})
    assert again == {"replayed": True, "declaration": None, "userErrors": refusal}
    assert await everything(database) == before
    assert await status(api, number) == "CONTROLLED"

    # a new attempt takes a new key
    fresh = await op(api, ACCOUNT, {"number": number})
    assert (fresh["replayed"], fresh["userErrors"]) == (False, [])
    assert fresh["declaration"]["status"] == "ACCOUNTED"


async def test_a_refused_release_is_replayed_and_other_content_is_a_reused_key(
    api: Api, database: Database
) -> None:
    """releaseDeclaration refused before accounting: once accounted, the resend of the
    key still answers the refusal; the key with another declaration's number is refused
    as reused (IDEMPOTENCY_KEY_REUSED), and nothing is written either way."""
    _, number = await registered(api)
    assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
    key = unique("rel")
    first = await op(api, RELEASE, {"idempotencyKey": key, "number": number})
    assert first == {
        "replayed": False,
        "declaration": None,
        "userErrors": [
            {
                "code": "ACCOUNTING_NOT_NOTIFIED",
                "message": "goods are released only after the accounting notification "
                "(Order 1907 p.10)",
                "field": [],
            }
        ],
    }

    assert (await op(api, ACCOUNT, {"number": number}))["userErrors"] == []
    again = await op(api, RELEASE, {"idempotencyKey": key, "number": number})
    assert again == {**first, "replayed": True}
    _, other = await registered(api)
    before = await everything(database)
    reused = await op(api, RELEASE, {"idempotencyKey": key, "number": other})
    assert reused == {
        "replayed": False,
        "declaration": None,
        "userErrors": [
            {
                "code": "IDEMPOTENCY_KEY_REUSED",
                "message": f"the key {key!r} was already used for a different "
                "releaseDeclaration request; send new content with a new key",
                "field": ["input", "idempotencyKey"],
            }
        ],
    }
    assert await everything(database) == before
    assert await status(api, number) == "ACCOUNTED"


async def test_not_found_is_remembered_too(api: Api, database: Database) -> None:
    """A withdrawal of a declaration not registered (yet) is refused and remembered: the
    resend after its registration is still DECLARATION_NOT_FOUND, and nothing changes."""
    license = await new_license(api)
    data = declaration_input([item(license)])
    number = data["number"]
    key = unique("wd")
    content = {"idempotencyKey": key, "number": number, "reason": "ошибка"}
    first = await op(api, WITHDRAW, content, role="DECLARANT")
    not_found = {
        "code": "DECLARATION_NOT_FOUND",
        "message": f"no declaration {number} is registered",
        "field": ["input", "number"],
    }
    assert first == {"replayed": False, "declaration": None, "userErrors": [not_found]}
    assert (await register(api, data))["userErrors"] == []
    before = await everything(database)
    again = await op(api, WITHDRAW, content, role="DECLARANT")
    assert again == {**first, "replayed": True}
    assert await everything(database) == before
    assert await status(api, number) == "REGISTERED"


async def test_a_refused_feed_message_is_remembered_under_its_message_id(
    api: Api, database: Database
) -> None:
    """The licence feed's message ids are keys too: a suspension of a licence not
    received yet is refused (LICENSE_NOT_FOUND); once the licence arrives, the same
    message again gets the same refusal and the licence stays ACTIVE (the feed sends the
    suspension again under a new message id)."""
    data = license_input()
    message = {"messageId": unique("msg"), "number": data["number"], "reason": "решение № 1"}
    suspend = STATUS % "suspendLicense"
    first = (await api.data(suspend, {"input": message}))["suspendLicense"]
    assert first == {
        "replayed": False,
        "license": None,
        "userErrors": [
            {
                "code": "LICENSE_NOT_FOUND",
                "message": f"no licence {data['number']} is registered",
                "field": ["input", "number"],
            }
        ],
    }
    assert (await api.data(REGISTER, {"input": data}))["registerLicense"]["userErrors"] == []
    before = await everything(database)
    again = (await api.data(suspend, {"input": message}))["suspendLicense"]
    assert again == {**first, "replayed": True}
    assert await everything(database) == before
    fresh = (await api.data(suspend, {"input": {**message, "messageId": unique("msg")}}))[
        "suspendLicense"
    ]
    assert (fresh["userErrors"], fresh["license"]["status"]) == ([], "SUSPENDED")


async def test_input_refusals_leave_no_record(api: Api, database: Database) -> None:
    """Refused for its input alone, before any read (a blank key, a malformed
    declaration): nothing is recorded; the key is still free for valid content."""
    license = await new_license(api)
    before = await everything(database)
    blank = await op(api, ACCOUNT, {"idempotencyKey": " ", "number": "10702030/010327/0000001"})
    assert blank == {
        "replayed": False,
        "declaration": None,
        "userErrors": [
            {
                "code": "REQUIRED",
                "message": "idempotencyKey is required",
                "field": ["input", "idempotencyKey"],
            }
        ],
    }
    key = unique("reg")
    bad = declaration_input([item(license)], procedure="1")
    refused = await op(api, REGISTER_DECLARATION, {"idempotencyKey": key, "declaration": bad})
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_PROCEDURE"]
    assert refused["replayed"] is False
    assert await everything(database) == before

    good = {**bad, "procedure": "10"}
    accepted = await op(api, REGISTER_DECLARATION, {"idempotencyKey": key, "declaration": good})
    assert (accepted["userErrors"], accepted["replayed"]) == ([], False)


async def test_two_sends_of_a_refused_key_at_once_get_one_refusal(
    api: Api, database: Database
) -> None:
    """Sent twice at the same moment, a key that is refused answers one refusal, once
    recorded: one send answers it, the other replays it."""
    _, number = await registered(api)
    content = {"idempotencyKey": unique("acc"), "number": number}
    one, two = await asyncio.gather(op(api, ACCOUNT, content), op(api, ACCOUNT, content))
    assert sorted([one["replayed"], two["replayed"]]) == [False, True]
    assert one["userErrors"] == two["userErrors"]
    assert [e["code"] for e in one["userErrors"]] == ["NOT_CONTROLLED"]
    found = await database.db.idempotency.count_documents({"key": content["idempotencyKey"]})
    assert found == 1


# --- the race, run against the database with the runner itself --------------------------


async def test_a_success_committed_meanwhile_wins_over_a_refusal(database: Database) -> None:
    """A send is refused while a concurrent send of the same key commits its success:
    recording the refusal clashes with that record, and the success is the answer."""
    key, scope = unique("race"), unique("scope")
    digest = content_hash("raceOperation", {"n": 1})

    async def refused(session: AsyncClientSession) -> Document:
        # the concurrent send commits its effect and its record, then this one refuses
        await database.db.idempotency.insert_one(
            {
                "scope": scope,
                "key": key,
                "operation": "raceOperation",
                "hash": digest,
                "result": {"won": True},
                "at": START,
            }
        )
        raise RuleViolation([Problem("TOO_LATE", "refused meanwhile")])

    outcome = await idempotent(
        database.client,
        database.db,
        scope=scope,
        key=key,
        operation="raceOperation",
        content={"n": 1},
        now=START,
        work=refused,
    )
    assert outcome == Outcome({"won": True}, [], replayed=True)
    assert await database.db.idempotency.count_documents({"scope": scope, "key": key}) == 1


async def test_a_refusal_recorded_meanwhile_wins_over_a_success(database: Database) -> None:
    """A send's transaction writes its effect while a concurrent send of the key records
    its refusal: the transaction's record clashes, its effect is rolled back, and the
    refusal is the answer for both."""
    key, scope = unique("race"), unique("scope")
    digest = content_hash("raceOperation", {"n": 2})
    effects = database.db[f"race_{ObjectId()}"]
    runs = 0

    async def succeeds(session: AsyncClientSession) -> Document:
        nonlocal runs
        runs += 1
        await effects.insert_one({"run": runs}, session=session)
        if runs == 1:  # the other send records its refusal now, outside this transaction
            await database.db.idempotency.insert_one(
                {
                    "scope": scope,
                    "key": key,
                    "operation": "raceOperation",
                    "hash": digest,
                    "result": None,
                    "problems": [{"code": "TOO_LATE", "message": "refused", "field": ["n"]}],
                    "at": START,
                }
            )
        return {"won": True}

    try:
        outcome = await idempotent(
            database.client,
            database.db,
            scope=scope,
            key=key,
            operation="raceOperation",
            content={"n": 2},
            now=START,
            work=succeeds,
        )
        assert outcome == Outcome(None, [Problem("TOO_LATE", "refused", ("n",))], replayed=True)
        assert await effects.count_documents({}) == 0
        assert await database.db.idempotency.count_documents({"scope": scope, "key": key}) == 1
    finally:
        await effects.drop()
