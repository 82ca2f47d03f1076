"""DESIGN "Holder": a DECLARANT key learns nothing of another holder's licence, not even
that it exists.  Its dry run (previewDeclaration) and the control it sets off (a
correction) read licences through the access policy, so another holder's licence answers
exactly as a number never received: LICENCE_UNKNOWN, with no figures, no holder INN and
no line names.  An officer's control still finds the holder mismatch."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from bson import ObjectId

from api.app import create_app
from api.clock import FixedClock
from api.db import CODEC_OPTIONS, Database, make_client
from api.settings import Settings
from domain.accounting import Ground, earlier_accounting, refusal_grounds
from domain.control import Discrepancy, DiscrepancyCode, ItemFacts
from domain.sight import Sight, findings_seen, grounds_seen
from schema.relay import to_global_id
from schema.root import build_schema
from tests.support.api import HOLDER_INN, OTHER_INN, START, Api, LiveApi
from tests.support.declarations import (
    ACCOUNT,
    AUTO,
    CONTROL,
    CORRECT,
    REFUSE,
    WITHDRAW,
    declaration_input,
    declaration_number,
    item,
    new_license,
    op,
    register,
)
from tests.support.licenses import license_input, unique
from tests.support.permits import create, issued, permit_input
from tests.support.snapshots import REFUSALS, collections
from tests.test_query_cost import CommandLog
from tests.test_subscriptions import (
    BALANCES,
    NOW,
    accounted,
    connected,
    feed_has,
    next_data,
    receive,
    subscribe,
)

PREVIEW = """query($d: DeclarationInput!) {
  previewDeclaration(declaration: $d) {
    inputErrors { code message field }
    discrepancies { code itemNo message affectsRestrictions fixable licenseNumber lineNo }
    accountingRequired
    plannedEntries { licenseNumber lineNo itemNo operation quantity value }
    accountingErrors { code message field }
  }
}"""


def draft(license: str, number: str) -> dict[str, Any]:
    """OTHER_INN's declaration of two items on ``license`` (lines 1 and 2)."""
    items = [
        item(license, 1, "1"),
        item(license, 2, "5", itemNo=2, name="Медная проволока", hsCode="7408110000", unit="166"),
    ]
    return declaration_input(items, number=number, declarantInn=OTHER_INN)


async def preview(api: Api, declaration: dict[str, Any], role: str) -> dict[str, Any]:
    body = await api.data(PREVIEW, {"d": declaration}, role=role)
    result: dict[str, Any] = body["previewDeclaration"]
    return result


def without(answer: dict[str, Any], *texts: str) -> str:
    """The answer as text with each of ``texts`` replaced by one placeholder."""
    text = json.dumps(answer, ensure_ascii=False, sort_keys=True)
    for one in texts:
        text = text.replace(one, "<licence>")
    return text


async def test_preview_of_another_holders_license_answers_as_an_unknown_number(api: Api) -> None:
    theirs = await new_license(api)  # held by HOLDER_INN
    never_received = unique("RU-EX")
    number = declaration_number()

    seen = await preview(api, draft(theirs, number), role="OTHER_DECLARANT")
    unknown = await preview(api, draft(never_received, number), role="OTHER_DECLARANT")

    assert without(seen, theirs) == without(unknown, never_received)
    assert [d["code"] for d in seen["discrepancies"]] == ["LICENCE_UNKNOWN", "LICENCE_UNKNOWN"]
    assert seen["plannedEntries"] == []
    text = without(seen, theirs)
    for secret in (HOLDER_INN, "Трансформаторы силовые", 'Медная проволока"', "100", "1500"):
        assert secret not in text, secret

    # An officer (and the holder itself) see the licence: the holder mismatch and figures.
    officer = await preview(api, draft(theirs, number), role="OFFICER")
    assert {d["code"] for d in officer["discrepancies"]} == {"HOLDER_MISMATCH"}
    own = declaration_input([item(theirs, 1, "1")], number=number)
    holder = await preview(api, own, role="DECLARANT")
    assert (holder["discrepancies"], len(holder["plannedEntries"])) == ([], 1)


async def test_a_declarants_correction_controls_on_what_it_may_see(api: Api) -> None:
    """A correction runs control again (DESIGN "Corrections") for the DECLARANT who sent
    it: on another holder's licence it finds LICENCE_UNKNOWN; an officer's control of the
    same declaration finds HOLDER_MISMATCH."""
    theirs = await new_license(api)
    declaration = draft(theirs, declaration_number())
    payload = await register(api, declaration, role="OTHER_DECLARANT")
    assert payload["userErrors"] == [], payload
    number = payload["declaration"]["number"]

    corrected = await op(
        api,
        CORRECT,
        {"number": number, "items": declaration["items"][:1], "reason": "одна позиция"},
        role="OTHER_DECLARANT",
    )
    assert corrected["userErrors"] == [], corrected
    found = corrected["declaration"]["discrepancies"]
    assert [d["code"] for d in found] == ["LICENCE_UNKNOWN"]
    assert HOLDER_INN not in json.dumps(found)

    controlled = await op(api, CONTROL, {"number": number})
    assert [d["code"] for d in controlled["declaration"]["discrepancies"]] == ["HOLDER_MISMATCH"]


# --- an officer's control of a declaration citing another holder's licence --------------

FULL_DECLARATION = """query($n: String!) { declaration(number: $n) {
  id number status revision version
  items { itemNo licenseNumber lineNo quantity }
  discrepancies { code itemNo message affectsRestrictions fixable licenseNumber lineNo }
  refusal { grounds { code message itemNos } reason }
  autoTrace { step point passed detail }
  accountingNotification { kind entries { licenseNumber lineNo itemNo operation quantity } }
  ledgerEntries { seq licenseNumber lineNo operation quantity after { limit accounted } }
  statusHistory { status reason }
} }"""

REFUSE_FIELDS = "replayed declaration { number status } userErrors { code message field }"


async def declaration_as(api: Api, number: str, role: str) -> dict[str, Any]:
    body = await api.data(FULL_DECLARATION, {"n": number}, role=role)
    found: dict[str, Any] = body["declaration"]
    return found


def citing(license: str) -> dict[str, Any]:
    """OTHER_INN's declaration of two items on ``license``; item 1 declares more than
    line 1's limit of 100 (another holder's figure: "100 шт available")."""
    return draft(license, declaration_number()) | {
        "items": [
            item(license, 1, "150"),
            item(
                license, 2, "5", itemNo=2, name="Медная проволока", hsCode="7408110000", unit="166"
            ),
        ]
    }


async def walked(api: Api, clock: Any, license: str) -> str:
    """A declaration of OTHER_DECLARANT citing ``license``, walked by an officer: control,
    the automatic mode (which hands it over), then past the release deadline a refusal
    on every ground that holds.  Its number."""
    payload = await register(api, citing(license), role="OTHER_DECLARANT")
    assert payload["userErrors"] == [], payload
    number: str = payload["declaration"]["number"]
    assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
    handed = await op(api, AUTO, {"number": number})
    assert handed["userErrors"] == [], handed
    assert handed["declaration"]["status"] == "CONTROLLED"
    clock.advance(timedelta(hours=5))
    try:
        grounds = ["UNFIXED_DISCREPANCIES"]
        if await sees(api, license):  # a licence received: its line 1 is exhausted too
            grounds.append("EXHAUSTION")
        refused = await op(api, REFUSE, {"number": number, "grounds": grounds, "reason": "отказ"})
        assert refused["userErrors"] == [], refused
    finally:
        clock.advance(timedelta(hours=-5))
    return number


async def sees(api: Api, license: str, role: str = "OFFICER") -> bool:
    body = await api.data(
        "query($n: String!) { license(number: $n) { number } }", {"n": license}, role=role
    )
    return body["license"] is not None


async def test_an_officers_findings_on_another_holders_license_read_as_unknown_to_the_declarant(
    api: Api, clock: Any
) -> None:
    """The issue's leak: OTHER_DECLARANT's declaration cites HOLDER_INN's licence; an
    officer controls it (HOLDER_MISMATCH with the holder's INN, QUANTITY_EXCEEDS_AVAILABLE
    with the quantity available), runs the automatic mode and refuses it.  The declarant
    reads the declaration exactly as a twin citing a licence never received, walked the
    same way: findings, trace and refusal grounds; the officer still reads the truth."""
    theirs = await new_license(api)
    never_received = unique("RU-EX")
    seen_number = await walked(api, clock, theirs)
    twin_number = await walked(api, clock, never_received)

    seen = await declaration_as(api, seen_number, "OTHER_DECLARANT")
    twin = await declaration_as(api, twin_number, "OTHER_DECLARANT")
    text = without(seen, theirs).replace(seen_number, "<number>").replace(seen["id"], "<id>")
    twin_text = without(twin, never_received).replace(twin_number, "<number>")
    assert text == twin_text.replace(twin["id"], "<id>")
    assert [d["code"] for d in seen["discrepancies"]] == ["LICENCE_UNKNOWN", "LICENCE_UNKNOWN"]
    assert seen["refusal"]["grounds"] == [
        {
            "code": "UNFIXED_DISCREPANCIES",
            "message": "Order 1907 p.9: discrepancies affecting prohibitions and restrictions "
            f"were not fixed by the release deadline (item 1: no data received for licence "
            f"{theirs}; item 2: no data received for licence {theirs})",
            "itemNos": [1, 2],
        }
    ]
    assert seen["autoTrace"] == [
        {
            "step": "CONTROL",
            "point": "Order 1907 p.6",
            "passed": False,
            "detail": "item 1: LICENCE_UNKNOWN; item 2: LICENCE_UNKNOWN",
        },
        {
            "step": "DECISION",
            "point": "Order 1907 p.13; DESIGN",
            "passed": False,
            "detail": "handed to an officer; refusal grounds found: none",
        },
    ]
    for secret in (HOLDER_INN, "Трансформаторы силовые", "100 ", "HOLDER_MISMATCH", "EXHAUSTION"):
        assert secret not in text, secret

    officer = await declaration_as(api, seen_number, "OFFICER")
    assert {d["code"] for d in officer["discrepancies"]} == {
        "HOLDER_MISMATCH",
        "QUANTITY_EXCEEDS_AVAILABLE",
    }
    assert HOLDER_INN in json.dumps(officer["discrepancies"], ensure_ascii=False)
    assert [g["code"] for g in officer["refusal"]["grounds"]] == [
        "UNFIXED_DISCREPANCIES",
        "EXHAUSTION",
    ]
    assert "HOLDER_MISMATCH" in officer["autoTrace"][0]["detail"]

    # the same through the list and the node
    listed = await api.data(
        """query($n: String!) { declarations(filter: {licenseNumber: $n}, first: 100) {
             edges { node { number discrepancies { code message } } } } }""",
        {"n": theirs},
        role="OTHER_DECLARANT",
    )
    [node] = [
        e["node"] for e in listed["declarations"]["edges"] if e["node"]["number"] == seen_number
    ]
    assert node["discrepancies"] == [
        {"code": d["code"], "message": d["message"]} for d in seen["discrepancies"]
    ]
    by_id = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Declaration { discrepancies { code } } } }",
        {"id": seen["id"]},
        role="OTHER_DECLARANT",
    )
    assert by_id["node"]["discrepancies"] == [{"code": "LICENCE_UNKNOWN"}] * 2


async def test_its_own_mutations_answer_with_what_it_may_see(api: Api) -> None:
    """The payload of the declarant's own mutation (a withdrawal) shows the findings of
    the officer's control as the declarant may see them."""
    theirs = await new_license(api)
    payload = await register(api, citing(theirs), role="OTHER_DECLARANT")
    number = payload["declaration"]["number"]
    assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
    withdrawn = await op(
        api, WITHDRAW, {"number": number, "reason": "ошибка"}, role="OTHER_DECLARANT"
    )
    assert withdrawn["userErrors"] == []
    assert [(d["code"], d["message"]) for d in withdrawn["declaration"]["discrepancies"]] == [
        ("LICENCE_UNKNOWN", f"no data received for licence {theirs}"),
        ("LICENCE_UNKNOWN", f"no data received for licence {theirs}"),
    ]


async def test_a_representative_does_not_see_the_represented_holders_license(api: Api) -> None:
    """README "API keys and roles", known limit: a DECLARANT key is bound to one INN; a
    declaration it files for a represented person (representedInn) passes an officer's
    control and is accounted on that person's licence, but the key does not see the
    licence: its items read LICENCE_UNKNOWN, the licence's ledger entries (and the
    line's figures in them) are not shown; the quantities its own accounting moved are,
    in its accounting notification."""
    theirs = await new_license(api)
    declaration = draft(theirs, declaration_number()) | {"representedInn": HOLDER_INN}
    payload = await register(api, declaration, role="OTHER_DECLARANT")
    assert payload["userErrors"] == [], payload
    number = payload["declaration"]["number"]
    assert (await op(api, CONTROL, {"number": number}))["declaration"]["discrepancies"] == []
    assert (await op(api, ACCOUNT, {"number": number}))["userErrors"] == []

    seen = await declaration_as(api, number, "OTHER_DECLARANT")
    assert [d["code"] for d in seen["discrepancies"]] == ["LICENCE_UNKNOWN", "LICENCE_UNKNOWN"]
    assert seen["ledgerEntries"] == []
    assert seen["accountingNotification"]["entries"] == [
        {
            "licenseNumber": theirs,
            "lineNo": 1,
            "itemNo": 1,
            "operation": "WRITE_OFF",
            "quantity": "1",
        },
        {
            "licenseNumber": theirs,
            "lineNo": 2,
            "itemNo": 2,
            "operation": "WRITE_OFF",
            "quantity": "5",
        },
    ]
    body = await api.data(
        "query($n: String!) { license(number: $n) { number } }",
        {"n": theirs},
        role="OTHER_DECLARANT",
    )
    assert body == {"license": None}
    officer = await declaration_as(api, number, "OFFICER")
    assert (officer["discrepancies"], len(officer["ledgerEntries"])) == ([], 2)


# --- the table: every root field, asked by a DECLARANT of another INN ---------------------
#
# For each root field, the answer to OTHER_DECLARANT about an object of HOLDER_INN equals
# the answer about one that does not exist (apart from the number or id asked for), and
# nothing changes.  A new root field without a row fails ``test_every_root_field_has_a_row``.

Vars = dict[str, Any]
Pair = tuple[Vars, Vars]


@dataclass(frozen=True)
class World:
    """Objects of HOLDER_INN, and what OTHER_DECLARANT has of its own."""

    license: str
    license_id: str
    declaration: str
    declaration_id: str
    temporary: str
    notification_id: str
    permit: str
    permit_id: str
    draft_id: str
    office: str
    own_declaration: str
    own_declaration_data: dict[str, Any]


_worlds: dict[str, World] = {}


def fresh_inn() -> str:
    """A valid INN (its check digit right) that nobody holds."""
    digits = [int(d) for d in f"{uuid.uuid4().int % 10**9:09d}"]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def missing_id(type_name: str) -> str:
    return to_global_id(type_name, ObjectId())


def missing_permit() -> str:
    return f"10216000/010128/51/9{uuid.uuid4().int % 10**6:06d}"


async def world(api: Api, database: Database) -> World:
    """The objects of the table, made once per test database."""
    made = _worlds.get(database.db.name)
    if made is not None:
        return made
    license = await new_license(api)
    registered = await register(api, declaration_input([item(license, quantity="3")]))
    number = registered["declaration"]["number"]
    assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
    accounted = await op(api, ACCOUNT, {"number": number})
    assert accounted["userErrors"] == [], accounted
    temporary = declaration_input([item(license, quantity="1")], kind="TEMPORARY")
    assert (await register(api, temporary))["userErrors"] == []
    body = await api.data(
        "query($n: String!) { license(number: $n) { id } }", {"n": license}, role="OFFICER"
    )
    permit = await issued(api)  # held by HOLDER_INN
    draft_payload = await create(api)
    own_license = unique("RU-EX-own")  # never received: OTHER_DECLARANT's own business
    own = declaration_input([item(own_license)], declarantInn=OTHER_INN)
    assert (await register(api, own, role="OTHER_DECLARANT"))["userErrors"] == []
    made = World(
        license=license,
        license_id=body["license"]["id"],
        declaration=number,
        declaration_id=accounted["declaration"]["id"],
        temporary=temporary["number"],
        notification_id=accounted["declaration"]["accountingNotification"]["id"],
        permit=permit["number"],
        permit_id=permit["id"],
        draft_id=draft_payload["permit"]["id"],
        office="10216000",
        own_declaration=own["number"],
        own_declaration_data=own,
    )
    _worlds[database.db.name] = made
    return made


def query(field: str, arguments: str, selection: str) -> str:
    """A query of one root field with its arguments' variables (``$x: Type``)."""
    variables = ", ".join(f"${part.strip()}" for part in arguments.split(",") if part.strip())
    passed = ", ".join(
        f"{name}: ${name}"
        for name in (part.split(":")[0].strip() for part in arguments.split(","))
        if name
    )
    head = f"query({variables})" if variables else "query"
    call = f"{field}({passed})" if passed else field
    return f"{head} {{ {call} {selection} }}"


def mutation(field: str, input_type: str) -> str:
    return f"""mutation($input: {input_type}!) {{ {field}(input: $input) {{
      replayed userErrors {{ code message field }} }} }}"""


LICENSE_SELECTION = "{ id number status holder { inn name } lines { lineNo available } }"
DECLARATION_SELECTION = """{ id number status discrepancies { code message }
  accountingNotification { id } ledgerEntries { seq } }"""
PERMIT_SELECTION = "{ id number status holder { inn } }"
CONNECTION = "{ totalCount edges { node { id } } }"
NOTIFICATIONS = "{ totalCount edges { node { id kind declarationNumber } } }"


def key() -> str:
    return unique("iso")


def preview_draft(license: str, earlier: str | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {} if earlier is None else {"earlierDeclaration": earlier}
    return declaration_input(
        [item(license, quantity="1", **extra)],
        number="10702030/010327/0000001",
        declarantInn=OTHER_INN,
    )


def correction(w: World, number: str) -> Vars:
    items = [item(w.license, quantity="1")]
    return {"input": {"idempotencyKey": key(), "number": number, "items": items, "reason": "р"}}


def status_message(number: str) -> Vars:
    return {"input": {"messageId": key(), "number": number, "reason": "решение"}}


def operation(number: str, **extra: Any) -> Vars:
    return {"input": {"idempotencyKey": key(), "number": number, **extra}}


@dataclass(frozen=True)
class Row:
    """One root field: its document and the pairs of variables (HOLDER_INN's object,
    one that does not exist) it is asked with; ``public``: reference data, the same for
    every DECLARANT (asked by OTHER_DECLARANT and by HOLDER_INN's DECLARANT)."""

    document: str
    pairs: Callable[[World], list[Pair]]
    public: bool = False


QUERY_ROWS: dict[str, Row] = {
    "node": Row(
        query("node", "id: ID!", "{ id }"),
        lambda w: [
            ({"id": w.license_id}, {"id": missing_id("License")}),
            ({"id": w.declaration_id}, {"id": missing_id("Declaration")}),
            ({"id": w.notification_id}, {"id": missing_id("AccountingNotification")}),
            ({"id": w.permit_id}, {"id": missing_id("ProcessingPermit")}),
            ({"id": w.draft_id}, {"id": missing_id("ProcessingPermit")}),
        ],
    ),
    "nodes": Row(
        query("nodes", "ids: [ID!]!", "{ id }"),
        lambda w: [
            (
                {"ids": [w.license_id, w.declaration_id, w.notification_id, w.permit_id]},
                {
                    "ids": [
                        missing_id("License"),
                        missing_id("Declaration"),
                        missing_id("AccountingNotification"),
                        missing_id("ProcessingPermit"),
                    ]
                },
            )
        ],
    ),
    "license": Row(
        query("license", "number: String!", LICENSE_SELECTION),
        lambda w: [({"number": w.license}, {"number": unique("RU-EX")})],
    ),
    "licenseById": Row(
        query("licenseById", "id: ID!", LICENSE_SELECTION),
        lambda w: [({"id": w.license_id}, {"id": missing_id("License")})],
    ),
    "licenses": Row(
        query("licenses", "filter: LicenseFilter", CONNECTION),
        lambda w: [({"filter": {"holderInn": HOLDER_INN}}, {"filter": {"holderInn": fresh_inn()}})],
    ),
    "declaration": Row(
        query("declaration", "number: String!", DECLARATION_SELECTION),
        lambda w: [({"number": w.declaration}, {"number": declaration_number()})],
    ),
    "declarationById": Row(
        query("declarationById", "id: ID!", DECLARATION_SELECTION),
        lambda w: [({"id": w.declaration_id}, {"id": missing_id("Declaration")})],
    ),
    "declarations": Row(
        query("declarations", "filter: DeclarationFilter", CONNECTION),
        lambda w: [
            ({"filter": {"declarantInn": HOLDER_INN}}, {"filter": {"declarantInn": fresh_inn()}}),
            ({"filter": {"licenseNumber": w.license}}, {"filter": {"licenseNumber": unique("X")}}),
        ],
    ),
    "previewDeclaration": Row(
        query(
            "previewDeclaration",
            "declaration: DeclarationInput!",
            """{ inputErrors { code message field } accountingRequired
               discrepancies { code itemNo message affectsRestrictions fixable lineNo }
               plannedEntries { licenseNumber lineNo quantity }
               accountingErrors { code message } }""",
        ),
        lambda w: [
            (
                {"declaration": preview_draft(w.license)},
                {"declaration": preview_draft(unique("RU-EX"))},
            ),
            (
                {"declaration": preview_draft(unique("L"), w.declaration)},
                {"declaration": preview_draft(unique("L"), declaration_number())},
            ),
        ],
    ),
    "accountingNotifications": Row(
        query(
            "accountingNotifications",
            "licenseNumber: String, declarationNumber: String",
            NOTIFICATIONS,
        ),
        lambda w: [
            ({"licenseNumber": w.license}, {"licenseNumber": unique("RU-EX")}),
            ({"declarationNumber": w.declaration}, {"declarationNumber": declaration_number()}),
        ],
    ),
    "verifyLedger": Row(
        query("verifyLedger", "number: String!", "{ licenseNumber ok entries }"),
        lambda w: [({"number": w.license}, {"number": unique("RU-EX")})],
    ),
    "licenseUtilisation": Row(
        query(
            "licenseUtilisation",
            "groupBy: UtilisationGroupBy!, filter: LicenseFilter",
            "{ key unit lines }",
        ),
        lambda w: [
            (
                {"groupBy": "LICENSE", "filter": {"holderInn": HOLDER_INN}},
                {"groupBy": "LICENSE", "filter": {"holderInn": fresh_inn()}},
            )
        ],
    ),
    "refusalsByGround": Row(
        query("refusalsByGround", "from: DateTime!, to: DateTime!", "{ ground declarations }"),
        lambda w: [
            (
                {"from": "2027-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z"},
                {"from": "2027-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z"},
            )
        ],
    ),
    "permit": Row(
        query("permit", "number: String!", PERMIT_SELECTION),
        lambda w: [({"number": w.permit}, {"number": missing_permit()})],
    ),
    "permitById": Row(
        query("permitById", "id: ID!", PERMIT_SELECTION),
        lambda w: [
            ({"id": w.permit_id}, {"id": missing_id("ProcessingPermit")}),
            ({"id": w.draft_id}, {"id": missing_id("ProcessingPermit")}),
        ],
    ),
    "permits": Row(
        query("permits", "filter: PermitFilter", CONNECTION),
        lambda w: [({"filter": {"holderInn": HOLDER_INN}}, {"filter": {"holderInn": fresh_inn()}})],
    ),
    "permitAsOf": Row(
        query("permitAsOf", "number: String!, date: Date!", "{ revision }"),
        lambda w: [
            (
                {"number": w.permit, "date": "2027-12-31"},
                {"number": missing_permit(), "date": "2027-12-31"},
            )
        ],
    ),
    "permitsByOfficeAndStatus": Row(
        query(
            "permitsByOfficeAndStatus", "filter: PermitFilter", "{ customsOfficeCode status count }"
        ),
        lambda w: [({"filter": {"holderInn": HOLDER_INN}}, {"filter": {"holderInn": fresh_inn()}})],
    ),
    "permitTable3Utilisation": Row(
        query("permitTable3Utilisation", "filter: PermitFilter", "{ hsCode unit permits }"),
        lambda w: [({"filter": {"holderInn": HOLDER_INN}}, {"filter": {"holderInn": fresh_inn()}})],
    ),
    "customsOffices": Row(
        query("customsOffices", "", "{ code name kind }"), lambda w: [({}, {})], public=True
    ),
    "customsOffice": Row(
        query("customsOffice", "code: CustomsOfficeCode!", "{ code name kind }"),
        lambda w: [({"code": w.office}, {"code": w.office})],
        public=True,
    ),
}


MUTATION_ROWS: dict[str, Row] = {
    "registerLicense": Row(
        mutation("registerLicense", "RegisterLicenseInput"),
        lambda w: [
            ({"input": license_input(w.license)}, {"input": license_input(unique("RU-EX"))})
        ],
    ),
    "amendLicense": Row(
        mutation("amendLicense", "AmendLicenseInput"),
        lambda w: [
            (
                {"input": {"messageId": key(), "number": w.license}},
                {"input": {"messageId": key(), "number": unique("RU-EX")}},
            )
        ],
    ),
    **{
        name: Row(
            mutation(name, "LicenseStatusMessageInput"),
            lambda w: [(status_message(w.license), status_message(unique("RU-EX")))],
        )
        for name in (
            "suspendLicense",
            "resumeLicense",
            "terminateLicense",
            "reportLicenseExhaustion",
        )
    },
    "registerDeclaration": Row(
        mutation("registerDeclaration", "RegisterDeclarationInput"),
        lambda w: [
            # a number taken: answered as a number taken by one of its own
            (
                {
                    "input": {
                        "idempotencyKey": key(),
                        "declaration": {
                            **w.own_declaration_data,
                            "number": w.declaration,
                            "procedure": "40",
                        },
                    }
                },
                {
                    "input": {
                        "idempotencyKey": key(),
                        "declaration": {
                            **w.own_declaration_data,
                            "number": w.own_declaration,
                            "procedure": "40",
                        },
                    }
                },
            ),
            # another holder's temporary declaration completed by a full one (p.12)
            (
                {"input": {"idempotencyKey": key(), "declaration": full_citing(w.temporary)}},
                {
                    "input": {
                        "idempotencyKey": key(),
                        "declaration": full_citing(declaration_number()),
                    }
                },
            ),
        ],
    ),
    **{
        name: Row(
            mutation(name, "DeclarationOperationInput"),
            lambda w: [(operation(w.declaration), operation(declaration_number()))],
        )
        for name in (
            "controlDeclaration",
            "accountDeclaration",
            "releaseDeclaration",
            "runAutomaticMode",
        )
    },
    "refuseRelease": Row(
        mutation("refuseRelease", "RefuseReleaseInput"),
        lambda w: [
            (
                operation(w.declaration, grounds=["EXHAUSTION"], reason="р"),
                operation(declaration_number(), grounds=["EXHAUSTION"], reason="р"),
            )
        ],
    ),
    "withdrawDeclaration": Row(
        mutation("withdrawDeclaration", "WithdrawDeclarationInput"),
        lambda w: [
            (operation(w.declaration, reason="р"), operation(declaration_number(), reason="р"))
        ],
    ),
    "correctDeclaration": Row(
        mutation("correctDeclaration", "CorrectDeclarationInput"),
        lambda w: [(correction(w, w.declaration), correction(w, declaration_number()))],
    ),
    "extendReleaseDeadline": Row(
        mutation("extendReleaseDeadline", "ExtendReleaseDeadlineInput"),
        lambda w: [
            (
                operation(w.declaration, hours=1, reason="р"),
                operation(declaration_number(), hours=1, reason="р"),
            )
        ],
    ),
    "createPermitDraft": Row(
        mutation("createPermitDraft", "CreatePermitDraftInput"),
        lambda w: [
            (
                {"input": {"idempotencyKey": key(), "permit": permit_input()}},
                {
                    "input": {
                        "idempotencyKey": key(),
                        "permit": permit_input(holder_inn=fresh_inn()),
                    }
                },
            )
        ],
    ),
    "updatePermitDraft": Row(
        mutation("updatePermitDraft", "UpdatePermitDraftInput"),
        lambda w: [
            (
                {"input": {"idempotencyKey": key(), "id": w.draft_id, "permit": permit_input()}},
                {
                    "input": {
                        "idempotencyKey": key(),
                        "id": missing_id("ProcessingPermit"),
                        "permit": permit_input(),
                    }
                },
            )
        ],
    ),
    "issuePermit": Row(
        mutation("issuePermit", "IssuePermitInput"),
        lambda w: [
            (
                {"input": {"idempotencyKey": key(), "id": w.draft_id}},
                {"input": {"idempotencyKey": key(), "id": missing_id("ProcessingPermit")}},
            )
        ],
    ),
    "amendPermit": Row(
        mutation("amendPermit", "AmendPermitInput"),
        lambda w: [
            (
                operation(w.permit, reason="р", permit=permit_input()),
                operation(missing_permit(), reason="р", permit=permit_input()),
            )
        ],
    ),
    "transferPermit": Row(
        mutation("transferPermit", "TransferPermitInput"),
        lambda w: [(transfer(w.permit), transfer(missing_permit()))],
    ),
    "fixPermitTerm": Row(
        mutation("fixPermitTerm", "FixPermitTermInput"),
        lambda w: [
            (
                operation(w.permit, startDate="2027-03-01"),
                operation(missing_permit(), startDate="2027-03-01"),
            )
        ],
    ),
    "extendPermitTerm": Row(
        mutation("extendPermitTerm", "ExtendPermitTermInput"),
        lambda w: [
            (
                operation(w.permit, months=1, reason="р", decisionNumber="1"),
                operation(missing_permit(), months=1, reason="р", decisionNumber="1"),
            )
        ],
    ),
    **{
        name: Row(
            mutation(name, "PermitMarkInput"),
            lambda w: [
                (
                    operation(w.permit, grounds="основание", decisionNumber="1"),
                    operation(missing_permit(), grounds="основание", decisionNumber="1"),
                )
            ],
        )
        for name in ("revokePermit", "annulPermit", "restorePermit")
    },
    "expirePermits": Row(
        mutation("expirePermits", "ExpirePermitsInput"),
        lambda w: [({"input": {"idempotencyKey": key()}}, {"input": {"idempotencyKey": key()}})],
    ),
    "saveCustomsOffice": Row(
        mutation("saveCustomsOffice", "SaveCustomsOfficeInput"),
        lambda w: [(office(w.office), office(f"1{uuid.uuid4().int % 10**7:07d}"))],
    ),
}


def full_citing(temporary: str) -> dict[str, Any]:
    """OTHER_INN's full declaration completing ``temporary`` (Order 1907 p.12)."""
    return declaration_input(
        [item(unique("RU-EX"), quantity="1")],
        kind="FULL",
        declarantInn=OTHER_INN,
        temporaryDeclarations=[temporary],
    )


def transfer(number: str) -> Vars:
    holder = {"name": "ООО «Другая»", "inn": OTHER_INN, "address": "Москва"}
    return operation(number, newHolder=holder, decisionNumber="7", decisionDate="2027-03-01")


def office(code: str) -> Vars:
    return {
        "input": {
            "idempotencyKey": key(),
            "code": code,
            "name": "Таможня",
            "kind": "CUSTOMS",
            "parentCode": "10200000",
            "reportsToFts": False,
            "timeZone": "Europe/Moscow",
        }
    }


NOTIFICATIONS_SUBSCRIPTION = """subscription($n: String) {
  accountingNotifications(licenseNumber: $n) { id kind declarationNumber licenseNumbers
    entries { licenseNumber lineNo quantity } } }"""

#: Subscriptions: asked over WebSocket by ``test_subscriptions_answer_as_for_nothing``.
SUBSCRIPTION_ROWS = ("accountingNotifications", "licenseBalances")


def test_every_root_field_has_a_row() -> None:
    """Built from the schema: a new root field needs a row here."""
    schema = build_schema().as_str()  # the public schema, as exported
    fields = {
        root: set(re.findall(r"^  (\w+)[(:]", body, re.M))
        for root, body in re.findall(
            r"^type (Query|Mutation|Subscription) \{\n(.*?)^\}", schema, re.M | re.S
        )
    }
    assert fields == {
        "Query": set(QUERY_ROWS),
        "Mutation": set(MUTATION_ROWS),
        "Subscription": set(SUBSCRIPTION_ROWS),
    }


def differences(a: Any, b: Any) -> list[tuple[str, str]]:
    """The strings that differ between two variable sets, leaf by leaf."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [x for k in a.keys() & b.keys() for x in differences(a[k], b[k])]
    if isinstance(a, list) and isinstance(b, list):
        return [x for pair in zip(a, b, strict=False) for x in differences(*pair)]
    if isinstance(a, str) and isinstance(b, str) and a != b:
        return [(a, b)]
    return []


def normalised(answer: Any, refs: list[str]) -> str:
    text = json.dumps(answer, ensure_ascii=False, sort_keys=True, default=str)
    for ref in sorted(refs, key=len, reverse=True):
        text = text.replace(ref, "<ref>")
    return text


async def everything(database: Database) -> tuple[dict[str, list[Any]], list[Any]]:
    """Every collection (but refusal records), and the refusal records apart."""
    names = sorted(await database.db.list_collection_names())
    refusals = await database.db.idempotency.find(REFUSALS).sort("_id", 1).to_list()
    return await collections(database, names), refusals


def refusal_record(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k in ("operation", "result", "problems")}


ROWS = [("Query", name, row) for name, row in QUERY_ROWS.items()] + [
    ("Mutation", name, row) for name, row in MUTATION_ROWS.items()
]


@pytest.mark.parametrize(("root", "name", "row"), ROWS, ids=[f"{r}.{n}" for r, n, _ in ROWS])
async def test_another_holders_object_answers_as_none(
    api: Api, database: Database, root: str, name: str, row: Row
) -> None:
    w = await world(api, database)
    for existing, missing in row.pairs(w):
        before, refusals_before = await everything(database)
        if row.public:
            theirs = await api.gql(row.document, existing, role="OTHER_DECLARANT")
            holders = await api.gql(row.document, missing, role="DECLARANT")
            assert theirs == holders
            assert "errors" not in theirs, theirs
        else:
            theirs = await api.gql(row.document, existing, role="OTHER_DECLARANT")
            nothing = await api.gql(row.document, missing, role="OTHER_DECLARANT")
            refs = [x for pair in differences(existing, missing) for x in pair]
            assert normalised(theirs, refs) == normalised(nothing, refs), (theirs, nothing)
        after, refusals_after = await everything(database)
        assert after == before
        added = refusals_after[len(refusals_before) :]
        assert refusals_after[: len(refusals_before)] == refusals_before
        # a business refusal is remembered (DESIGN "Refusals are answers too"): the same
        # for both, apart from the number
        assert len(added) in (0, 2), added
        if added:
            one, two = (normalised(refusal_record(d), refs) for d in added)
            assert one == two


async def test_subscriptions_answer_as_for_nothing(live_api: LiveApi, database: Database) -> None:
    """The two subscriptions, asked over WebSocket by OTHER_DECLARANT: following
    HOLDER_INN's licence is refused as following one never received
    (LICENSE_NOT_FOUND); its notifications reach an officer's subscription and never
    OTHER_DECLARANT's, as for a licence never received; nothing changes by asking."""
    assert set(SUBSCRIPTION_ROWS) == {"accountingNotifications", "licenseBalances"}
    async with httpx.AsyncClient(base_url=live_api.base_url, timeout=30) as client:
        http = Api(http=client, keys=live_api.keys, headers={"x-customs-now": NOW})
        license = await new_license(http)
        missing = unique("RU-EX")
        before, refusals = await everything(database)
        answers = []
        async with connected(live_api, {"apiKey": live_api.keys["OTHER_DECLARANT"]}) as ws:
            for number in (license, missing):
                op_id = await subscribe(ws, BALANCES, {"n": number})
                message = await receive(ws)
                assert await receive(ws) == {"id": op_id, "type": "complete"}
                answers.append(normalised({**message, "id": "<id>"}, [number]))
        assert answers[0] == answers[1]
        assert '"code": "LICENSE_NOT_FOUND"' in answers[0]
        assert await everything(database) == (before, refusals)

        async with (
            connected(live_api, {"apiKey": live_api.keys["OTHER_DECLARANT"]}) as theirs,
            connected(live_api, {"apiKey": live_api.keys["OFFICER"]}) as officer,
        ):
            watching = await subscribe(officer, NOTIFICATIONS_SUBSCRIPTION, {"n": license})
            await subscribe(theirs, NOTIFICATIONS_SUBSCRIPTION, {"n": license})
            await subscribe(theirs, NOTIFICATIONS_SUBSCRIPTION, {"n": missing})
            await subscribe(theirs, NOTIFICATIONS_SUBSCRIPTION, {"n": None})
            await feed_has(live_api, "notifications", 4)
            number = await accounted(http, license, "2")
            seen = await next_data(officer, watching)
            assert seen["accountingNotifications"]["declarationNumber"] == number
            with pytest.raises(TimeoutError):  # nothing for OTHER_DECLARANT, either way
                await asyncio.wait_for(theirs.recv(), 1.0)


# --- the cost of a declarant's page ------------------------------------------------------

PAGE = """query($n: String!, $size: Int!) {
  declarations(first: $size, filter: {licenseNumber: $n}) { edges { node {
    number discrepancies { code message } refusal { grounds { code } }
    autoTrace { step detail } ledgerEntries { seq }
  } } } }"""


async def test_a_declarants_page_costs_a_constant_number_of_commands(
    mongo_uri: str, database: Database, settings: Settings, keys: dict[str, str]
) -> None:
    """What a DECLARANT is shown of its declarations citing another holder's licence is
    decided on the cited documents read through the request's loaders: a page of 2 or of
    20 such declarations costs the same commands (one read of the cited licences for the
    whole page, as the ledger entries')."""
    log = CommandLog(database.db.name)
    client = make_client(mongo_uri, event_listeners=[log])
    try:
        db = client.get_database(database.db.name, codec_options=CODEC_OPTIONS)
        own = Database(client=client, db=db, uri=mongo_uri)
        app = create_app(settings, clock=FixedClock(START), database=own)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            api = Api(http=http, keys=keys)
            theirs = await new_license(api)
            for _ in range(20):
                payload = await register(api, citing(theirs), role="OTHER_DECLARANT")
                number = payload["declaration"]["number"]
                assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
            figures = {}
            for size in (1, 2, 20):
                log.commands.clear()
                body = await api.data(PAGE, {"n": theirs, "size": size}, role="OTHER_DECLARANT")
                edges = body["declarations"]["edges"]
                assert len(edges) == size
                for edge in edges:
                    codes = [d["code"] for d in edge["node"]["discrepancies"]]
                    assert codes == ["LICENCE_UNKNOWN", "LICENCE_UNKNOWN"]
                figures[size] = sorted(log.names())
        assert figures[2] == figures[20], figures
        assert figures[20] == sorted(
            ["find api_keys", "find declarations", "find licenses", "find ledger"]
        ), figures
    finally:
        await client.close()


# --- the rule itself (domain/sight.py) ----------------------------------------------------

EARLIER = earlier_accounting("D-THEIRS", False, ())


def test_the_rule_on_a_declaration_that_mixes_what_it_sees_and_what_it_does_not() -> None:
    """Item 1 cites a licence the declarant sees (its findings stay), item 2 another
    holder's (its findings become the unknown-licence one), item 3 a licence it sees but
    an earlier declaration it does not (no accounting on record).  A refusal on
    EXHAUSTION (items 1, 2) and SUSPENSION (item 2): EXHAUSTION stays for item 1, worded
    from its findings; item 2 reads under UNFIXED_DISCREPANCIES; SUSPENSION is gone."""
    deadline = datetime(2027, 3, 1, 13, tzinfo=UTC)
    at = deadline + timedelta(hours=1)

    def goods(no: int, license: str, earlier: str | None = None) -> ItemFacts:
        return ItemFacts(no, "x", "8504210000", Decimal(1), "796", license, 1, None, None, earlier)

    items = [goods(1, "MINE"), goods(2, "THEIRS"), goods(3, "MINE", "D-THEIRS")]

    def finding(code: DiscrepancyCode, no: int, message: str) -> Discrepancy:
        license = "THEIRS" if no == 2 else "MINE"
        return Discrepancy(
            code, no, message, True, code is DiscrepancyCode.HOLDER_MISMATCH, license, 1
        )

    exceeds = "items 1 declare 1 шт on line 1 of licence MINE; 0 шт available"
    found = [
        finding(DiscrepancyCode.QUANTITY_EXCEEDS_AVAILABLE, 1, exceeds),
        finding(DiscrepancyCode.LICENCE_SUSPENDED, 2, "licence THEIRS is suspended"),
        finding(DiscrepancyCode.HOLDER_MISMATCH, 2, "licence THEIRS is held by INN 7707083893"),
        finding(DiscrepancyCode.QUANTITY_EXCEEDS_AVAILABLE, 2, "90 шт available"),
        finding(DiscrepancyCode.EARLIER_ACCOUNTING_INVALID, 3, "D-THEIRS wrote off 5 шт"),
    ]
    sight = Sight(hidden=frozenset({"THEIRS"}), earlier={})
    seen = findings_seen(items, found, sight)
    assert [(d.item_no, d.code.value, d.message) for d in seen] == [
        (1, "QUANTITY_EXCEEDS_AVAILABLE", exceeds),
        (2, "LICENCE_UNKNOWN", "no data received for licence THEIRS"),
        (3, "EARLIER_ACCOUNTING_INVALID", "declaration D-THEIRS has no accounting on record"),
    ]
    assert findings_seen(items, [], sight, controlled=False) == []
    assert findings_seen(items, found, Sight(frozenset(), {"D-THEIRS": EARLIER})) == found

    grounds = refusal_grounds(found, deadline=deadline, now=at)
    named = [g for g in grounds if g.code in (Ground.EXHAUSTION, Ground.SUSPENSION)]
    assert [(g.code.value, g.item_nos) for g in named] == [
        ("EXHAUSTION", (1, 2)),
        ("SUSPENSION", (2,)),
    ]
    shown = grounds_seen(named, seen, sight.masked(items), deadline=deadline, at=at)
    assert [(g.code.value, g.item_nos, g.message) for g in shown] == [
        (
            "EXHAUSTION",
            (1,),
            f"Order 1907 p.9: the licence's quantity or value is exhausted (item 1: {exceeds})",
        ),
        (
            "UNFIXED_DISCREPANCIES",
            (2,),
            "Order 1907 p.9: discrepancies affecting prohibitions and restrictions were not "
            "fixed by the release deadline (item 2: no data received for licence THEIRS)",
        ),
    ]
