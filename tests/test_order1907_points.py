"""Order 1907 point by point, p.2 to p.13, through the GraphQL API (no mocks).

Each test names the point it walks (``test_pN_...``) and cites it, and DESIGN where a
decision comes from "Decisions on points the texts leave open".  Every licence a test
touches is checked afterwards against DESIGN "The invariant": released <= accounted <=
limit on every line (and the same for value), and ``verifyLedger`` ok.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.clock import FixedClock
from api.db import Database
from api.settings import Settings
from tests.support.api import HOLDER_INN, OTHER_INN, START, Api
from tests.support.declarations import (
    ACCOUNT,
    AUTO,
    CONTROL,
    CORRECT,
    DECLARATION_FIELDS,
    EXTEND,
    REFUSE,
    REGISTER_DECLARATION,
    RELEASE,
    WITHDRAW,
    declaration_input,
    item,
    lines,
    new_license,
    op,
    register,
)
from tests.support.licenses import STATUS, license_input, unique
from tests.support.snapshots import collections

NewLicense = Callable[..., Awaitable[str]]

# --- documents ----------------------------------------------------------------------------

DECLARATION = (
    """query($n: String!) { declaration(number: $n) { %s
  releaseDeadline deadlineExtensions { hours reason newDeadline }
  temporaryDeclarations coveredBy { number } revisions { revision reason }
} }"""
    % DECLARATION_FIELDS
)

LEDGER = """query($n: String!, $m: DateTime!) {
  license(number: $n) {
    ledger(first: 100) {
      totalCount
      edges { node { seq lineNo operation quantity value declarationNumber itemNo
                     after { limit accounted released } previousHash hash } }
    }
    balancesAt(moment: $m) { seq lineNo operation after { limit accounted released } }
  }
  verifyLedger(number: $n) { licenseNumber ok entries breakSeq reason }
}"""

INVARIANT = """query($n: String!) {
  license(number: $n) {
    lines { lineNo quantityLimit accounted released available excess
            valueLimit valueAccounted valueReleased valueAvailable }
  }
  verifyLedger(number: $n) { ok entries breakSeq reason }
}"""

NOTIFICATIONS = """query($l: String, $d: String) {
  accountingNotifications(licenseNumber: $l, declarationNumber: $d, first: 100) {
    totalCount
    edges { node { kind declarationNumber licenseNumbers
                   entries { licenseNumber lineNo itemNo operation quantity value } } }
  }
}"""

DECLARATIONS = """query($f: DeclarationFilter) {
  declarations(filter: $f, first: 100) { totalCount edges { node { number status kind } } }
}"""

PREVIEW = """query($d: DeclarationInput!) {
  previewDeclaration(declaration: $d) {
    inputErrors { code message field }
    discrepancies { code itemNo affectsRestrictions fixable }
    accountingRequired
    plannedEntries { licenseNumber lineNo itemNo operation quantity value }
    accountingErrors { code message }
  }
}"""

COLLECTIONS = (
    "licenses",
    "license_history",
    "ledger",
    "declarations",
    "declaration_revisions",
    "notifications",
    "idempotency",
)


# --- helpers ------------------------------------------------------------------------------


async def snapshot(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every document of every collection a declaration operation can touch (but the
    records of remembered refusals, ``tests/support/snapshots.py``)."""
    return await collections(database, COLLECTIONS)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def found(declaration: dict[str, Any]) -> list[str]:
    return [d["code"] for d in declaration["discrepancies"]]


async def figures(api: Api, license: str, line_no: int = 1) -> tuple[str, str, str]:
    line = next(x for x in await lines(api, license) if x["lineNo"] == line_no)
    return line["accounted"], line["released"], line["available"]


async def get(api: Api, number: str, role: str = "OFFICER") -> dict[str, Any] | None:
    body = await api.data(DECLARATION, {"n": number}, role=role)
    result: dict[str, Any] | None = body["declaration"]
    return result


async def notifications(
    api: Api, *, license: str | None = None, declaration: str | None = None
) -> list[dict[str, Any]]:
    body = await api.data(NOTIFICATIONS, {"l": license, "d": declaration}, role="OFFICER")
    return [e["node"] for e in body["accountingNotifications"]["edges"]]


async def registered(api: Api, declaration: dict[str, Any], role: str = "DECLARANT") -> str:
    payload = await register(api, declaration, role=role)
    assert payload["userErrors"] == [], payload
    number: str = payload["declaration"]["number"]
    return number


async def controlled(api: Api, declaration: dict[str, Any], role: str = "DECLARANT") -> str:
    number = await registered(api, declaration, role=role)
    payload = await op(api, CONTROL, {"number": number})
    assert payload["userErrors"] == [], payload
    return number


async def accounted(api: Api, declaration: dict[str, Any], role: str = "DECLARANT") -> str:
    number = await controlled(api, declaration, role=role)
    payload = await op(api, ACCOUNT, {"number": number})
    assert payload["userErrors"] == [], payload
    assert payload["declaration"]["status"] == "ACCOUNTED"
    return number


async def released(api: Api, declaration: dict[str, Any], role: str = "DECLARANT") -> str:
    number = await accounted(api, declaration, role=role)
    payload = await op(api, RELEASE, {"number": number})
    assert payload["userErrors"] == [], payload
    assert payload["declaration"]["status"] == "RELEASED"
    return number


async def feed_status(api: Api, mutation: str, license: str) -> None:
    message = {"messageId": unique("m"), "number": license, "reason": "решение Минпромторга"}
    body = await api.data(STATUS % mutation, {"input": message}, role="INTEGRATOR")
    assert body[mutation]["userErrors"] == [], body


def decl(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A declaration with its items numbered 1, 2, ... in order."""
    return declaration_input([{**it, "itemNo": n} for n, it in enumerate(items, 1)], **extra)


def wire_line2(license: str, quantity: str, **extra: Any) -> dict[str, Any]:
    """An item on line 2 of ``licence_input()``: copper wire, HS 7408, kg, no value limit."""
    data = {
        "name": "Проволока: «Медная проволока», в бухтах",
        "hsCode": "7408110000",
        "unit": "166",
        **extra,
    }
    return item(license, 2, quantity, **data)


async def assert_invariant(api: Api, license: str) -> None:
    """DESIGN "The invariant": 0 <= released <= accounted <= limit per line (value too),
    available = limit - accounted, never negative; the ledger verifies."""
    body = await api.data(INVARIANT, {"n": license}, role="OFFICER")
    for line in body["license"]["lines"]:
        limit, acc, rel = (Decimal(line[k]) for k in ("quantityLimit", "accounted", "released"))
        assert Decimal(0) <= rel <= acc <= limit, (license, line)
        assert Decimal(line["available"]) == limit - acc >= 0, (license, line)
        if line["valueLimit"] is not None:
            v_limit, v_acc, v_rel = (
                Decimal(line[k]) for k in ("valueLimit", "valueAccounted", "valueReleased")
            )
            assert Decimal(0) <= v_rel <= v_acc <= v_limit, (license, line)
    assert body["verifyLedger"]["ok"] is True, (license, body["verifyLedger"])


@pytest.fixture
async def license(api: Api) -> AsyncIterator[NewLicense]:
    """Registers licences from the feed and, after the test, checks the invariant and
    the ledger of every one it registered."""
    touched: list[str] = []

    async def make(**overrides: Any) -> str:
        number = await new_license(api, **overrides)
        touched.append(number)
        return number

    yield make
    for number in touched:
        await assert_invariant(api, number)


# --- p.2 ----------------------------------------------------------------------------------


async def test_p2_legacy_license_refused_for_accounting_with_its_reason(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.2: licences put on control before the Technology are outside it:
    control names LICENCE_LEGACY (not fixable by the declarant) and accounting is refused
    with that reason; nothing is written off."""
    legacy = await license(controlMode="LEGACY")
    number = await registered(api, decl([item(legacy, quantity="5")]))
    payload = await op(api, CONTROL, {"number": number})
    [discrepancy] = payload["declaration"]["discrepancies"]
    assert discrepancy["code"] == "LICENCE_LEGACY"
    assert (discrepancy["affectsRestrictions"], discrepancy["fixable"]) == (True, False)
    assert "before Order 1907" in discrepancy["message"]

    refused = await op(api, ACCOUNT, {"number": number})
    assert codes(refused) == ["LICENCE_LEGACY"]
    assert refused["declaration"] is None
    assert await figures(api, legacy) == ("0", "0", "100")
    assert (await get(api, number))["status"] == "CONTROLLED"  # type: ignore[index]


async def test_p2_unknown_license_number_is_license_unknown(api: Api, license: NewLicense) -> None:
    """Order 1907 p.2-3: only licences whose data was received can be controlled; an
    unknown number is LICENCE_UNKNOWN at control and refuses accounting."""
    known = await license()
    missing = unique("RU-NONE")
    number = await registered(api, decl([item(known, quantity="5"), item(missing, quantity="5")]))
    payload = await op(api, CONTROL, {"number": number})
    assert [(d["code"], d["itemNo"]) for d in payload["declaration"]["discrepancies"]] == [
        ("LICENCE_UNKNOWN", 2)
    ]
    assert missing in payload["declaration"]["discrepancies"][0]["message"]
    refused = await op(api, ACCOUNT, {"number": number})
    assert codes(refused) == ["LICENCE_UNKNOWN"]
    assert await figures(api, known) == ("0", "0", "100")  # the known item is not written off


# --- p.3 ----------------------------------------------------------------------------------


async def test_p3_ledger_and_balances_show_the_history_of_figures(
    api: Api, clock: FixedClock, license: NewLicense
) -> None:
    """Order 1907 p.3 ("information on execution of the licence"), DESIGN "The invariant":
    every change of figures is a hash-chained ledger entry; balancesAt gives the figures
    as of a past moment; verifyLedger recomputes the chain after a mixed scenario."""
    number = await license()
    t0 = clock.now()
    clock.advance(timedelta(minutes=10))
    first = await accounted(api, decl([item(number, quantity="40")]))
    t1 = clock.now()
    clock.advance(timedelta(minutes=10))
    assert codes(await op(api, RELEASE, {"number": first})) == []
    clock.advance(timedelta(minutes=10))
    second = await accounted(api, decl([item(number, quantity="10"), wire_line2(number, "0.125")]))
    t3 = clock.now()
    clock.advance(timedelta(minutes=10))
    assert codes(await op(api, WITHDRAW, {"number": second}, role="DECLARANT")) == []

    body = await api.data(LEDGER, {"n": number, "m": t1.isoformat()}, role="OFFICER")
    ledger = body["license"]["ledger"]
    entries = [e["node"] for e in reversed(ledger["edges"])]  # oldest first
    assert ledger["totalCount"] == len(entries) == 8
    assert [(e["seq"], e["operation"], e["lineNo"], e["declarationNumber"]) for e in entries] == [
        (1, "LIMIT_CHANGE", 1, None),
        (2, "LIMIT_CHANGE", 2, None),
        (3, "WRITE_OFF", 1, first),
        (4, "RELEASE", 1, first),
        (5, "WRITE_OFF", 1, second),
        (6, "WRITE_OFF", 2, second),
        (7, "ANNULMENT", 1, second),
        (8, "ANNULMENT", 2, second),
    ]
    assert [e["after"]["accounted"] for e in entries if e["lineNo"] == 1] == [
        "0",
        "40",
        "40",
        "50",
        "40",
    ]
    assert entries[3]["after"] == {"limit": "100", "accounted": "40", "released": "40"}
    assert entries[7]["after"] == {"limit": "1500.125", "accounted": "0", "released": "0"}
    assert entries[0]["previousHash"] is None
    assert all(b["previousHash"] == a["hash"] for a, b in itertools.pairwise(entries))

    balances = {b["lineNo"]: b for b in body["license"]["balancesAt"]}
    assert balances[1]["operation"] == "WRITE_OFF"
    assert balances[1]["after"] == {"limit": "100", "accounted": "40", "released": "0"}
    assert balances[2]["after"] == {"limit": "1500.125", "accounted": "0", "released": "0"}
    at_t3 = await api.data(LEDGER, {"n": number, "m": t3.isoformat()}, role="OFFICER")
    balances = {b["lineNo"]: b["after"] for b in at_t3["license"]["balancesAt"]}
    assert balances == {
        1: {"limit": "100", "accounted": "50", "released": "40"},
        2: {"limit": "1500.125", "accounted": "0.125", "released": "0"},
    }
    before = await api.data(
        LEDGER, {"n": number, "m": (t0 - timedelta(seconds=1)).isoformat()}, role="OFFICER"
    )
    assert before["license"]["balancesAt"] == []

    assert body["verifyLedger"] == {
        "licenseNumber": number,
        "ok": True,
        "entries": 8,
        "breakSeq": None,
        "reason": None,
    }


# --- p.4 ----------------------------------------------------------------------------------


async def test_p4_withdrawal_annuls_exactly_what_was_written_off(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.4: withdrawal of the declaration annuls the accounted quantity
    automatically: ANNULMENT entries linked to the declaration return exactly each
    write-off (quantity and value), with an ANNULLED notification."""
    number = await license()
    other = await accounted(api, decl([item(number, quantity="7")]))
    mine = await accounted(api, decl([item(number, quantity="30"), wire_line2(number, "500.5")]))
    assert await figures(api, number) == ("37", "0", "63")
    assert await figures(api, number, 2) == ("500.5", "0", "999.625")

    payload = await op(api, WITHDRAW, {"number": mine, "reason": "ошибка"}, role="DECLARANT")
    assert codes(payload) == []
    declaration = payload["declaration"]
    assert declaration["status"] == "WITHDRAWN"
    moves = [
        (e["operation"], e["lineNo"], e["quantity"], e["value"])
        for e in declaration["ledgerEntries"]
    ]
    assert moves == [
        ("WRITE_OFF", 1, "30", "30000"),
        ("WRITE_OFF", 2, "500.5", None),
        ("ANNULMENT", 1, "30", "30000"),
        ("ANNULMENT", 2, "500.5", None),
    ]
    assert await figures(api, number) == ("7", "0", "93")  # the other declaration keeps its 7
    assert await figures(api, number, 2) == ("0", "0", "1500.125")
    line = (await lines(api, number))[0]
    assert line["valueAccounted"] == "7000"

    kinds = [n["kind"] for n in await notifications(api, declaration=mine)]
    assert kinds == ["ANNULLED", "ACCOUNTED"]  # newest first
    [annulled] = [n for n in await notifications(api, declaration=mine) if n["kind"] == "ANNULLED"]
    assert {(e["operation"], e["itemNo"], e["quantity"]) for e in annulled["entries"]} == {
        ("ANNULMENT", 1, "30"),
        ("ANNULMENT", 2, "500.5"),
    }
    assert (await get(api, other))["status"] == "ACCOUNTED"  # type: ignore[index]
    again = await op(api, WITHDRAW, {"number": mine}, role="DECLARANT")  # a new key
    assert codes(again) == ["DECLARATION_CLOSED"]
    assert await figures(api, number) == ("7", "0", "93")  # never returns more


async def test_p4_refusal_annuls_exactly_what_was_written_off(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.4, p.9: an officer's refusal of release annuls the accounted quantity
    automatically, even on a licence suspended meanwhile."""
    number = await license()
    declaration = await accounted(api, decl([item(number, quantity="25")]))
    await feed_status(api, "suspendLicense", number)
    payload = await op(
        api, REFUSE, {"number": declaration, "grounds": ["SUSPENSION"], "reason": "p.9"}
    )
    assert codes(payload) == []
    assert payload["declaration"]["status"] == "REFUSED"
    assert [e["operation"] for e in payload["declaration"]["ledgerEntries"]] == [
        "WRITE_OFF",
        "ANNULMENT",
    ]
    assert payload["declaration"]["ledgerEntries"][1]["quantity"] == "25"
    assert await figures(api, number) == ("0", "0", "100")
    assert [n["kind"] for n in await notifications(api, declaration=declaration)] == [
        "ANNULLED",
        "ACCOUNTED",
    ]


async def test_p4_withdrawal_after_release_refused(
    api: Api, database: Database, license: NewLicense
) -> None:
    """DESIGN "Withdrawal": only before release; after release it is refused and the
    released accounting stays."""
    number = await license()
    declaration = await released(api, decl([item(number, quantity="12")]))
    before = await snapshot(database)
    payload = await op(api, WITHDRAW, {"number": declaration}, role="DECLARANT")
    assert codes(payload) == ["WITHDRAWAL_AFTER_RELEASE"]
    assert payload["declaration"] is None
    assert await snapshot(database) == before
    assert await figures(api, number) == ("12", "12", "88")


# --- p.5, p.6 -----------------------------------------------------------------------------


async def test_p6_direction_mismatch(api: Api, license: NewLicense) -> None:
    """Order 1907 p.6: the licence covers the declaration's direction."""
    imports = await license(direction="IMPORT")
    number = await controlled(api, decl([item(imports, quantity="1")]))
    declaration = await get(api, number)
    assert declaration is not None
    assert found(declaration) == ["DIRECTION_MISMATCH"]
    [d] = declaration["discrepancies"]
    assert (d["affectsRestrictions"], d["fixable"], d["licenseNumber"], d["lineNo"]) == (
        True,
        True,
        imports,
        1,
    )
    assert codes(await op(api, ACCOUNT, {"number": number})) == ["DIRECTION_MISMATCH"]


async def test_p6_declaration_date_outside_validity(api: Api, license: NewLicense) -> None:
    """Order 1907 p.6: the declaration date (registration, Moscow time) is within the
    licence's validity; a day before validFrom is OUTSIDE_VALIDITY."""
    later = await license(validFrom="2027-03-02", validTo="2027-12-31")
    number = await controlled(api, decl([item(later, quantity="1")]))
    declaration = await get(api, number)
    assert declaration is not None
    assert found(declaration) == ["OUTSIDE_VALIDITY"]
    assert declaration["discrepancies"][0]["affectsRestrictions"] is True
    assert codes(await op(api, ACCOUNT, {"number": number})) == ["OUTSIDE_VALIDITY"]


async def test_p6_holder_mismatch_unless_representative_acts_for_holder(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.6; DESIGN "Holder": the holder's INN is the declarant's, or that of
    the person a customs representative acts for (representedInn)."""
    number = await license()
    stranger = decl([item(number, quantity="1")], declarantInn=OTHER_INN)
    mismatch = await controlled(api, stranger, role="OTHER_DECLARANT")
    declaration = await get(api, mismatch)
    assert declaration is not None
    assert found(declaration) == ["HOLDER_MISMATCH"]
    assert declaration["discrepancies"][0]["fixable"] is True

    representative = decl(
        [item(number, quantity="1")], declarantInn=OTHER_INN, representedInn=HOLDER_INN
    )
    acting = await controlled(api, representative, role="OTHER_DECLARANT")
    declaration = await get(api, acting)
    assert declaration is not None
    assert found(declaration) == []
    payload = await op(api, ACCOUNT, {"number": acting})
    assert codes(payload) == []
    assert await figures(api, number) == ("1", "0", "99")


async def test_p6_hs_code_is_matched_as_a_prefix(api: Api, license: NewLicense) -> None:
    """Order 1907 p.6: the item's HS code starts with the line's (line 2 names 7408)."""
    number = await license()
    ok = await controlled(api, decl([wire_line2(number, "1")]))
    assert found(await get(api, ok) or {}) == []
    bad = await controlled(api, decl([wire_line2(number, "1", hsCode="7409110000")]))
    declaration = await get(api, bad)
    assert declaration is not None
    assert found(declaration) == ["HS_CODE_MISMATCH"]
    assert (
        declaration["discrepancies"][0]["affectsRestrictions"],
        declaration["discrepancies"][0]["fixable"],
    ) == (True, True)


async def test_p6_p8_value_counted_in_the_line_currency(api: Api, license: NewLicense) -> None:
    """Order 1907 p.8; DESIGN "The invariant" (value too): a line with a value limit
    needs the item's value in its currency (VALUE_NOT_COMPARABLE, fixable), and the
    value must fit (VALUE_EXCEEDS_AVAILABLE, exhaustion)."""
    number = await license()
    euros = await controlled(api, decl([item(number, quantity="1", currency="EUR")]))
    none = await controlled(api, decl([item(number, quantity="1", value=None, currency=None)]))
    dear = await controlled(api, decl([item(number, quantity="2", value="250000.01")]))
    for number_, code, fixable in (
        (euros, "VALUE_NOT_COMPARABLE", True),
        (none, "VALUE_NOT_COMPARABLE", True),
        (dear, "VALUE_EXCEEDS_AVAILABLE", False),
    ):
        declaration = await get(api, number_)
        assert declaration is not None
        assert [(d["code"], d["fixable"]) for d in declaration["discrepancies"]] == [
            (code, fixable)
        ]
        assert codes(await op(api, ACCOUNT, {"number": number_})) == [code]
    assert (await lines(api, number))[0]["valueAccounted"] == "0"


async def test_p6_name_compared_after_normalisation(api: Api, license: NewLicense) -> None:
    """Order 1907 p.6, p.8; DESIGN "Name and unit": names are compared after
    normalisation (case, ё/е, quotes, punctuation, spaces) and the description must
    contain the line's name."""
    lines_ = license_input()["lines"] + [
        {
            "lineNo": 3,
            "name": "Приёмники «Ёлка-2»",
            "hsCode": "852713",
            "unit": "796",
            "quantityLimit": "10",
        }
    ]
    number = await license(lines=lines_)

    def receiver(name: str) -> dict[str, Any]:
        return item(number, 3, "2", name=name, hsCode="8527130000")

    matching = await controlled(api, decl([receiver('ПРИЕМНИКИ  "елка 2" бытовые, 220 В')]))
    assert found(await get(api, matching) or {}) == []
    other = await controlled(api, decl([receiver("Приёмники «Сосна-2»")]))
    declaration = await get(api, other)
    assert declaration is not None
    assert found(declaration) == ["NAME_MISMATCH"]
    assert declaration["discrepancies"][0]["fixable"] is True
    assert codes(await op(api, ACCOUNT, {"number": other})) == ["NAME_MISMATCH"]
    assert codes(await op(api, ACCOUNT, {"number": matching})) == []
    assert await figures(api, number, 3) == ("2", "0", "8")


async def test_p6_unit_mismatch_and_exact_conversion(api: Api, license: NewLicense) -> None:
    """Order 1907 p.6; DESIGN "Name and unit": a kg item on a pieces line is
    UNIT_MISMATCH; a g item on a kg line converts exactly before accounting."""
    number = await license()
    kilos = await controlled(api, decl([item(number, quantity="3", unit="166")]))
    declaration = await get(api, kilos)
    assert declaration is not None
    assert "UNIT_MISMATCH" in found(declaration)
    assert codes(await op(api, ACCOUNT, {"number": kilos})) == ["UNIT_MISMATCH"]

    grams = await accounted(api, decl([wire_line2(number, "2500.5", unit="163")]))
    declaration = await get(api, grams)
    assert declaration is not None
    [entry] = declaration["ledgerEntries"]
    assert (entry["operation"], entry["quantity"]) == ("WRITE_OFF", "2.5005")
    assert await figures(api, number, 2) == ("2.5005", "0", "1497.6245")
    assert declaration["accountingNotification"]["entries"][0]["quantity"] == "2.5005"


async def test_p6_p8_quantity_above_available(api: Api, license: NewLicense) -> None:
    """Order 1907 p.6, p.8: items on one line, added up in its unit, must fit what is
    available; otherwise QUANTITY_EXCEEDS_AVAILABLE (exhaustion, not fixable by the
    declarant, affects restrictions) on each item concerned."""
    number = await license()
    number_ = await controlled(
        api,
        decl([item(number, quantity="60"), item(number, quantity="41"), wire_line2(number, "1")]),
    )
    declaration = await get(api, number_)
    assert declaration is not None
    over = [d for d in declaration["discrepancies"] if d["code"] == "QUANTITY_EXCEEDS_AVAILABLE"]
    assert [d["itemNo"] for d in over] == [1, 2]
    assert all(d["affectsRestrictions"] and not d["fixable"] for d in over)
    assert "101" in over[0]["message"]
    assert "100" in over[0]["message"]
    assert codes(await op(api, ACCOUNT, {"number": number_})) == [
        "QUANTITY_EXCEEDS_AVAILABLE",
        "QUANTITY_EXCEEDS_AVAILABLE",
    ]
    assert await figures(api, number) == ("0", "0", "100")


async def test_p6_p7_earlier_accounting_that_does_not_check_out(
    api: Api, license: NewLicense
) -> None:
    """DESIGN "Earlier accounting (p.7)": an item citing an earlier declaration is
    checked: it exists, wrote off the same line for at least this quantity, and was
    not annulled; otherwise EARLIER_ACCOUNTING_INVALID (fixable)."""
    number = await license()
    earlier = await accounted(api, decl([item(number, quantity="10")]))
    withdrawn = await accounted(api, decl([item(number, quantity="10")]))
    assert codes(await op(api, WITHDRAW, {"number": withdrawn}, role="DECLARANT")) == []
    nowhere = decl([item(number)])["number"]  # never registered

    cases = {
        "more than written off": item(number, quantity="11", earlierDeclaration=earlier),
        "annulled": item(number, quantity="1", earlierDeclaration=withdrawn),
        "unknown": item(number, quantity="1", earlierDeclaration=nowhere),
        "other line": wire_line2(number, "1", earlierDeclaration=earlier),
    }
    for case, cited in cases.items():
        number_ = await controlled(api, decl([cited]))
        declaration = await get(api, number_)
        assert declaration is not None
        assert found(declaration) == ["EARLIER_ACCOUNTING_INVALID"], case
        d = declaration["discrepancies"][0]
        assert (d["affectsRestrictions"], d["fixable"]) == (True, True), case

    fine = await controlled(api, decl([item(number, quantity="10", earlierDeclaration=earlier)]))
    assert found(await get(api, fine) or {}) == []
    assert await figures(api, number) == ("10", "0", "90")


async def test_p6_correction_fixes_a_fixable_discrepancy_and_control_runs_again(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.6, p.9 (the declarant fixes discrepancies); DESIGN "Corrections": a
    correction makes a new revision and control runs again; after accounting the
    difference is written off or returned in one transaction."""
    number = await license()
    bad = item(number, quantity="40", hsCode="8504220000")
    declaration_no = await controlled(api, decl([bad]))
    assert found(await get(api, declaration_no) or {}) == ["HS_CODE_MISMATCH"]
    assert codes(await op(api, ACCOUNT, {"number": declaration_no})) == ["HS_CODE_MISMATCH"]

    fixed = item(number, quantity="40", itemNo=1)
    payload = await op(
        api,
        CORRECT,
        {"number": declaration_no, "items": [fixed], "reason": "код ТН ВЭД"},
        role="DECLARANT",
    )
    assert codes(payload) == []
    assert payload["declaration"]["revision"] == 2
    assert payload["declaration"]["discrepancies"] == []
    assert payload["declaration"]["status"] == "CONTROLLED"
    assert codes(await op(api, ACCOUNT, {"number": declaration_no})) == []
    assert await figures(api, number) == ("40", "0", "60")

    smaller = item(number, quantity="30", itemNo=1)
    payload = await op(
        api,
        CORRECT,
        {"number": declaration_no, "items": [smaller], "reason": "количество"},
        role="DECLARANT",
    )
    assert codes(payload) == []
    assert payload["declaration"]["status"] == "ACCOUNTED"
    assert payload["declaration"]["revision"] == 3
    assert await figures(api, number) == ("30", "0", "70")
    assert codes(await op(api, RELEASE, {"number": declaration_no})) == []
    assert await figures(api, number) == ("30", "30", "70")
    declaration = await get(api, declaration_no)
    assert declaration is not None
    assert [r["revision"] for r in declaration["revisions"]] == [1, 2, 3]


# --- p.7 ----------------------------------------------------------------------------------


async def test_p7_accounted_only_under_the_first_procedure(api: Api, license: NewLicense) -> None:
    """Order 1907 p.7: accounting is under the first declared customs procedure only; a
    later procedure is not accounted and needs no notification for release (p.10)."""
    number = await license()
    later = await controlled(api, decl([item(number, quantity="5")], firstProcedure=False))
    assert codes(await op(api, ACCOUNT, {"number": later})) == ["ACCOUNTING_NOT_REQUIRED"]
    payload = await op(api, RELEASE, {"number": later})
    assert codes(payload) == []
    assert payload["declaration"]["ledgerEntries"] == []
    assert await figures(api, number) == ("0", "0", "100")


async def test_p7_never_under_transit(api: Api, license: NewLicense) -> None:
    """Order 1907 p.7: never accounted under customs transit (procedure 80)."""
    number = await license()
    transit = await controlled(api, decl([item(number, quantity="5")], procedure="80"))
    payload = await op(api, ACCOUNT, {"number": transit})
    assert codes(payload) == ["ACCOUNTING_NOT_REQUIRED"]
    assert "80" in payload["userErrors"][0]["message"]
    assert await figures(api, number) == ("0", "0", "100")


async def test_p7_items_accounted_under_an_earlier_declaration_are_not_written_off_again(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.7: goods already accounted under an earlier declaration (the item
    cites it) are not accounted again; only the other items are written off, and a
    declaration whose items all cite earlier ones needs no accounting."""
    number = await license()
    earlier = await released(api, decl([item(number, quantity="30")]))
    mixed = await accounted(
        api,
        decl([item(number, quantity="30", earlierDeclaration=earlier), item(number, quantity="5")]),
    )
    declaration = await get(api, mixed)
    assert declaration is not None
    assert [(e["operation"], e["quantity"]) for e in declaration["ledgerEntries"]] == [
        ("WRITE_OFF", "5")
    ]
    assert [e["itemNo"] for e in declaration["accountingNotification"]["entries"]] == [2]
    assert await figures(api, number) == ("35", "30", "65")

    only_earlier = await controlled(
        api, decl([item(number, quantity="20", earlierDeclaration=earlier)])
    )
    assert codes(await op(api, ACCOUNT, {"number": only_earlier})) == ["ACCOUNTING_NOT_REQUIRED"]
    assert codes(await op(api, RELEASE, {"number": only_earlier})) == []
    assert await figures(api, number) == ("35", "30", "65")


async def test_p7_two_licenses_all_or_nothing(
    api: Api, database: Database, license: NewLicense
) -> None:
    """Order 1907 p.7-8; DESIGN "The invariant": a declaration touching several licences
    is accounted all or nothing; when the second licence's line is too small nothing at
    all is written off and the database is unchanged (ledger, declarations,
    notifications, idempotency included)."""
    big = await license()
    small_lines = copy.deepcopy(license_input()["lines"])
    small_lines[0].update(quantityLimit="5", valueLimit="5000.00")
    small = await license(lines=small_lines)
    number = await controlled(api, decl([item(big, quantity="10"), item(small, quantity="6")]))
    declaration = await get(api, number)
    assert declaration is not None
    assert [(d["code"], d["itemNo"]) for d in declaration["discrepancies"]] == [
        ("QUANTITY_EXCEEDS_AVAILABLE", 2),
        ("VALUE_EXCEEDS_AVAILABLE", 2),
    ]

    before = await snapshot(database)
    refused = await op(api, ACCOUNT, {"number": number})
    assert set(codes(refused)) == {"QUANTITY_EXCEEDS_AVAILABLE", "VALUE_EXCEEDS_AVAILABLE"}
    assert await snapshot(database) == before
    assert await figures(api, big) == ("0", "0", "100")
    assert await figures(api, small) == ("0", "0", "5")

    # fixed by the declarant: both licences written off in one operation
    payload = await op(
        api,
        CORRECT,
        {
            "number": number,
            "items": [item(big, quantity="10", itemNo=1), item(small, quantity="5", itemNo=2)],
        },
        role="DECLARANT",
    )
    assert codes(payload) == []
    payload = await op(api, ACCOUNT, {"number": number})
    assert codes(payload) == []
    assert payload["declaration"]["accountingNotification"]["entries"] == [
        {
            "licenseNumber": big,
            "lineNo": 1,
            "itemNo": 1,
            "operation": "WRITE_OFF",
            "quantity": "10",
            "value": "10000",
        },
        {
            "licenseNumber": small,
            "lineNo": 1,
            "itemNo": 2,
            "operation": "WRITE_OFF",
            "quantity": "5",
            "value": "5000",
        },
    ]
    assert await figures(api, big) == ("10", "0", "90")
    assert await figures(api, small) == ("5", "0", "0")


async def test_p7_two_licenses_all_or_nothing_under_concurrency(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.7-8; DESIGN "The invariant" (any concurrency): a declaration on two
    licences races another for the second licence's line; whichever loses writes off
    nothing on either licence."""
    big = await license()
    small_lines = copy.deepcopy(license_input()["lines"])
    small_lines[0].update(quantityLimit="5", valueLimit="5000.00")
    small = await license(lines=small_lines)
    both = await controlled(api, decl([item(big, quantity="10"), item(small, quantity="4")]))
    rival = await controlled(api, decl([item(small, quantity="3")]))
    results = await asyncio.gather(
        op(api, ACCOUNT, {"number": both}), op(api, ACCOUNT, {"number": rival})
    )
    outcomes = [codes(r) for r in results]
    assert [] in outcomes
    assert sorted(outcomes)[1][0] == "QUANTITY_EXCEEDS_AVAILABLE"  # value too: 7000 > 5000
    if outcomes[0] == []:  # the two-licence declaration won
        assert await figures(api, big) == ("10", "0", "90")
        assert await figures(api, small) == ("4", "0", "1")
    else:
        assert await figures(api, big) == ("0", "0", "100")
        assert await figures(api, small) == ("3", "0", "2")
        assert (await get(api, both))["ledgerEntries"] == []  # type: ignore[index]


# --- p.8 ----------------------------------------------------------------------------------


async def test_p8_release_within_the_quantity_counting_earlier_ones(
    api: Api, database: Database, license: NewLicense
) -> None:
    """Order 1907 p.8: release within the licence's quantity, counting what was already
    accounted or released; two declarations that together exceed the line: the second
    is refused with QUANTITY_EXCEEDS_AVAILABLE and available never goes negative."""
    number = await license()
    first = await released(api, decl([item(number, quantity="60")]))
    assert await figures(api, number) == ("60", "60", "40")

    second = await controlled(api, decl([item(number, quantity="50")]))
    assert "QUANTITY_EXCEEDS_AVAILABLE" in found(await get(api, second) or {})
    before = await snapshot(database)
    assert codes(await op(api, ACCOUNT, {"number": second})) == ["QUANTITY_EXCEEDS_AVAILABLE"]
    assert codes(await op(api, RELEASE, {"number": second})) == [
        "ACCOUNTING_NOT_NOTIFIED",
        "QUANTITY_EXCEEDS_AVAILABLE",
    ]
    assert await snapshot(database) == before
    assert await figures(api, number) == ("60", "60", "40")

    rest = await released(api, decl([item(number, quantity="40")]))
    line = (await lines(api, number))[0]
    assert (line["accounted"], line["released"], line["available"], line["exhausted"]) == (
        "100",
        "100",
        "0",
        True,
    )
    one_more = await controlled(api, decl([item(number, quantity="1")]))
    assert codes(await op(api, ACCOUNT, {"number": one_more})) == ["QUANTITY_EXCEEDS_AVAILABLE"]
    assert (await lines(api, number))[0]["available"] == "0"
    assert first != rest


async def test_p8_concurrent_accounting_never_overdraws(api: Api, license: NewLicense) -> None:
    """Order 1907 p.8; DESIGN "The invariant" under concurrency: two declarations that
    together exceed the line, accounted at the same time: exactly one is written off."""
    number = await license()
    numbers = [await controlled(api, decl([item(number, quantity="60")])) for _ in range(2)]
    results = await asyncio.gather(*(op(api, ACCOUNT, {"number": n}) for n in numbers))
    outcomes = sorted(tuple(codes(r)) for r in results)
    assert outcomes == [(), ("QUANTITY_EXCEEDS_AVAILABLE",)]
    assert await figures(api, number) == ("60", "0", "40")


# --- p.9 ----------------------------------------------------------------------------------


async def test_p9_suspension_and_termination_are_grounds_at_once(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.9: suspension or termination received from the feed is a refusal
    ground at once (before the deadline, not fixable); a ground named that does not
    hold is GROUND_NOT_ESTABLISHED; release is blocked meanwhile."""
    number = await license()
    declaration = await accounted(api, decl([item(number, quantity="20")]))
    not_yet = await op(
        api, REFUSE, {"number": declaration, "grounds": ["SUSPENSION"], "reason": "p.9"}
    )
    assert codes(not_yet) == ["GROUND_NOT_ESTABLISHED"]

    await feed_status(api, "suspendLicense", number)
    assert "LICENCE_SUSPENDED" in codes(await op(api, RELEASE, {"number": declaration}))
    wrong = await op(
        api, REFUSE, {"number": declaration, "grounds": ["TERMINATION"], "reason": "p.9"}
    )
    assert codes(wrong) == ["GROUND_NOT_ESTABLISHED"]
    assert "SUSPENSION" in wrong["userErrors"][0]["message"]
    payload = await op(
        api, REFUSE, {"number": declaration, "grounds": ["SUSPENSION"], "reason": "приостановлена"}
    )
    assert codes(payload) == []
    refusal = payload["declaration"]["refusal"]
    assert [(g["code"], g["itemNos"]) for g in refusal["grounds"]] == [("SUSPENSION", [1])]
    assert refusal["reason"] == "приостановлена"
    assert await figures(api, number) == ("0", "0", "100")

    ended = await license()
    other = await controlled(api, decl([item(ended, quantity="1")]))
    await feed_status(api, "terminateLicense", ended)
    control = await op(api, CONTROL, {"number": other})
    [d] = control["declaration"]["discrepancies"]
    assert (d["code"], d["fixable"]) == ("LICENCE_TERMINATED", False)
    payload = await op(api, REFUSE, {"number": other, "grounds": ["TERMINATION"], "reason": "x"})
    assert codes(payload) == []


async def test_p9_unfixed_discrepancies_become_a_ground_only_after_the_deadline(
    api: Api, clock: FixedClock, license: NewLicense
) -> None:
    """Order 1907 p.9; DESIGN "Release deadline" (registration + 4 hours): discrepancies
    affecting restrictions are a refusal ground only when not fixed by the deadline."""
    number = await license()
    declaration = await controlled(
        api, decl([item(number, quantity="5"), item(number, quantity="1", hsCode="8504220000")])
    )
    refuse = {"number": declaration, "grounds": ["UNFIXED_DISCREPANCIES"], "reason": "p.9"}
    clock.advance(timedelta(hours=3, minutes=59))
    assert codes(await op(api, REFUSE, refuse)) == ["GROUND_NOT_ESTABLISHED"]

    clock.advance(timedelta(minutes=2))
    assert "RELEASE_DEADLINE_PASSED" in codes(await op(api, RELEASE, {"number": declaration}))
    payload = await op(api, REFUSE, refuse)
    assert codes(payload) == []
    [ground] = payload["declaration"]["refusal"]["grounds"]
    assert (ground["code"], ground["itemNos"]) == ("UNFIXED_DISCREPANCIES", [2])
    assert "8504220000" in ground["message"]


async def test_p9_extend_release_deadline_moves_it(
    api: Api, clock: FixedClock, license: NewLicense
) -> None:
    """DESIGN "Release deadline": an officer extends it by whole hours with a reason;
    the ground UNFIXED_DISCREPANCIES then waits for the new deadline."""
    number = await license()
    declaration = await controlled(api, decl([item(number, quantity="5", hsCode="8504220000")]))
    deadline = datetime.fromisoformat((await get(api, declaration))["releaseDeadline"])  # type: ignore[index]
    assert deadline == START + timedelta(hours=4)
    assert codes(await op(api, EXTEND, {"number": declaration, "hours": 0, "reason": "x"})) == [
        "INVALID_EXTENSION"
    ]
    payload = await op(api, EXTEND, {"number": declaration, "hours": 2, "reason": "экспертиза"})
    assert codes(payload) == []
    extended = await get(api, declaration)
    assert extended is not None
    assert datetime.fromisoformat(extended["releaseDeadline"]) == START + timedelta(hours=6)
    assert [(x["hours"], x["reason"]) for x in extended["deadlineExtensions"]] == [
        (2, "экспертиза")
    ]

    clock.advance(timedelta(hours=5))
    refuse = {"number": declaration, "grounds": ["UNFIXED_DISCREPANCIES"], "reason": "p.9"}
    assert codes(await op(api, REFUSE, refuse)) == ["GROUND_NOT_ESTABLISHED"]
    clock.advance(timedelta(hours=1))
    assert codes(await op(api, REFUSE, refuse)) == []


async def test_p9_exhaustion_is_a_ground_at_once(api: Api, license: NewLicense) -> None:
    """Order 1907 p.9: the line's quantity not being enough is exhaustion, a ground at
    once; the other declaration's accounting is untouched."""
    number = await license()
    first = await accounted(api, decl([item(number, quantity="90")]))
    second = await controlled(api, decl([item(number, quantity="20")]))
    payload = await op(api, REFUSE, {"number": second, "grounds": ["EXHAUSTION"], "reason": "p.9"})
    assert codes(payload) == []
    assert payload["declaration"]["refusal"]["grounds"][0]["code"] == "EXHAUSTION"
    assert payload["declaration"]["ledgerEntries"] == []  # nothing was written off to annul
    assert await figures(api, number) == ("90", "0", "10")
    assert (await get(api, first))["status"] == "ACCOUNTED"  # type: ignore[index]


# --- p.10 ---------------------------------------------------------------------------------


async def test_p10_release_only_after_the_accounting_notification(
    api: Api, database: Database, license: NewLicense
) -> None:
    """Order 1907 p.10: release of goods that need accounting only after the electronic
    notification of their accounting; the notifications are listed per licence."""
    number = await license()
    declaration = await controlled(api, decl([item(number, quantity="15")]))
    before = await snapshot(database)
    refused = await op(api, RELEASE, {"number": declaration})
    assert codes(refused) == ["ACCOUNTING_NOT_NOTIFIED"]
    assert await snapshot(database) == before

    payload = await op(api, ACCOUNT, {"number": declaration})
    notification = payload["declaration"]["accountingNotification"]
    assert notification["kind"] == "ACCOUNTED"
    assert notification["entries"] == [
        {
            "licenseNumber": number,
            "lineNo": 1,
            "itemNo": 1,
            "operation": "WRITE_OFF",
            "quantity": "15",
            "value": "15000",
        }
    ]
    assert codes(await op(api, RELEASE, {"number": declaration})) == []
    listed = await notifications(api, license=number)
    assert [(n["kind"], n["declarationNumber"]) for n in listed] == [
        ("RELEASED", declaration),
        ("ACCOUNTED", declaration),
    ]
    assert all(n["licenseNumbers"] == [number] for n in listed)


# --- p.11, p.12 ---------------------------------------------------------------------------


async def _temporaries(api: Api, license: str, *quantities: str, release: bool = True) -> list[str]:
    """Temporary declarations of periodic export declaring, accounted like others
    (Order 1907 p.11) and, by default, released."""
    make = released if release else accounted
    return [
        await make(api, decl([item(license, quantity=q)], kind="TEMPORARY")) for q in quantities
    ]


async def _full(api: Api, license: str, quantity: str, temporaries: list[str]) -> str:
    return await controlled(
        api,
        decl([item(license, quantity=quantity)], kind="FULL", temporaryDeclarations=temporaries),
    )


async def test_p11_p12_smaller_full_declaration_returns_the_difference(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.11-12; DESIGN "Temporary declarations": temporary declarations are
    accounted like others; the full declaration actualises them on accounting: a
    smaller full one returns the difference, as ACTUALISATION entries linked to it."""
    number = await license()
    temporaries = await _temporaries(api, number, "30", "20")
    assert await figures(api, number) == ("50", "50", "50")
    full = await _full(api, number, "40", temporaries)
    declaration = await get(api, full)
    assert declaration is not None
    assert declaration["kind"] == "FULL"
    assert declaration["temporaryDeclarations"] == temporaries
    assert found(declaration) == []
    covered = await get(api, temporaries[0])
    assert covered is not None
    assert covered["coveredBy"] == {"number": full}

    payload = await op(api, ACCOUNT, {"number": full})
    assert codes(payload) == []
    entries = payload["declaration"]["ledgerEntries"]
    assert [(e["operation"], e["quantity"], e["value"]) for e in entries] == [
        ("ACTUALISATION", "-10", "-10000")
    ]
    assert payload["declaration"]["accountingNotification"]["kind"] == "ACTUALISED"
    assert await figures(api, number) == ("40", "40", "60")
    body = await api.data(LEDGER, {"n": number, "m": START.isoformat()}, role="OFFICER")
    [actualisation] = [
        e["node"]
        for e in body["license"]["ledger"]["edges"]
        if e["node"]["operation"] == "ACTUALISATION"
    ]
    assert actualisation["declarationNumber"] == full
    assert codes(await op(api, RELEASE, {"number": full})) == []
    assert await figures(api, number) == ("40", "40", "60")


async def test_p12_larger_full_declaration_takes_the_difference_and_refusal_annuls_only_it(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.12, p.4; DESIGN "Temporary declarations": a larger full declaration
    takes the difference from the licence; refusing it annuls only what it added, and
    the temporary declarations keep their accounting."""
    number = await license()
    temporaries = await _temporaries(api, number, "30", "20")
    full = await _full(api, number, "65", temporaries)
    payload = await op(api, ACCOUNT, {"number": full})
    assert codes(payload) == []
    assert [(e["operation"], e["quantity"]) for e in payload["declaration"]["ledgerEntries"]] == [
        ("ACTUALISATION", "15")
    ]
    assert await figures(api, number) == ("65", "65", "35")

    await feed_status(api, "suspendLicense", number)
    payload = await op(api, REFUSE, {"number": full, "grounds": ["SUSPENSION"], "reason": "p.9"})
    assert codes(payload) == []
    assert [(e["operation"], e["quantity"]) for e in payload["declaration"]["ledgerEntries"]] == [
        ("ACTUALISATION", "15"),
        ("ACTUALISATION", "-15"),
    ]
    assert await figures(api, number) == ("50", "50", "50")
    for temporary in temporaries:
        declaration = await get(api, temporary)
        assert declaration is not None
        assert (declaration["status"], declaration["coveredBy"]) == ("RELEASED", None)


async def test_p12_full_declaration_larger_than_available_is_refused(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.8, p.12: what the full declaration takes must fit the line."""
    number = await license()
    temporaries = await _temporaries(api, number, "50")
    await released(api, decl([item(number, quantity="45")]))
    full = await _full(api, number, "56", temporaries)
    assert "QUANTITY_EXCEEDS_AVAILABLE" in found(await get(api, full) or {})
    assert "QUANTITY_EXCEEDS_AVAILABLE" in codes(await op(api, ACCOUNT, {"number": full}))
    assert await figures(api, number) == ("95", "95", "5")
    assert codes(await op(api, WITHDRAW, {"number": full}, role="DECLARANT")) == []
    again = await _full(api, number, "55", temporaries)
    assert codes(await op(api, ACCOUNT, {"number": again})) == []
    assert await figures(api, number) == ("100", "100", "0")


async def test_p12_full_declaration_equal_to_its_temporaries_is_actualised_and_released(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.10, p.12: a full declaration with the same figures as its temporary
    ones moves nothing, but the actualisation is still notified, so it can be released."""
    number = await license()
    temporaries = await _temporaries(api, number, "30", "20")
    full = await _full(api, number, "50", temporaries)
    payload = await op(api, ACCOUNT, {"number": full})
    assert codes(payload) == []
    assert payload["declaration"]["ledgerEntries"] == []
    notification = payload["declaration"]["accountingNotification"]
    assert (notification["kind"], notification["entries"]) == ("ACTUALISED", [])
    assert codes(await op(api, RELEASE, {"number": full})) == []
    assert await figures(api, number) == ("50", "50", "50")
    [listed] = await notifications(api, declaration=full)
    assert listed["licenseNumbers"] == [number]


async def test_p12_temporary_covered_by_a_full_declaration_cannot_be_withdrawn_alone(
    api: Api, license: NewLicense
) -> None:
    """DESIGN "Temporary declarations" (Order 1907 p.4, p.12): a temporary declaration
    already covered by a full one cannot be withdrawn alone; once the full one is
    withdrawn, it can."""
    number = await license()
    [temporary] = await _temporaries(api, number, "10", release=False)
    full = await _full(api, number, "10", [temporary])
    payload = await op(api, WITHDRAW, {"number": temporary}, role="DECLARANT")
    assert codes(payload) == ["COVERED_BY_FULL_DECLARATION"]
    assert await figures(api, number) == ("10", "0", "90")
    assert codes(await op(api, WITHDRAW, {"number": full}, role="DECLARANT")) == []
    assert (await get(api, temporary))["coveredBy"] is None  # type: ignore[index]
    assert codes(await op(api, WITHDRAW, {"number": temporary}, role="DECLARANT")) == []
    assert await figures(api, number) == ("0", "0", "100")


async def test_p12_covered_temporary_cannot_be_corrected_or_refused_alone(
    api: Api, database: Database, license: NewLicense
) -> None:
    """Order 1907 p.4, p.12; DESIGN "Temporary declarations": once a full declaration
    has actualised a temporary one, correcting or refusing the temporary alone would
    change figures the full one settled; both are refused like a withdrawal."""
    number = await license()
    temporaries = await _temporaries(api, number, "30", "20", release=False)
    full = await _full(api, number, "60", temporaries)
    assert codes(await op(api, ACCOUNT, {"number": full})) == []
    assert await figures(api, number) == ("60", "10", "40")
    await feed_status(api, "suspendLicense", number)
    before = await snapshot(database)
    corrected = await op(
        api,
        CORRECT,
        {"number": temporaries[0], "items": [item(number, quantity="5", itemNo=1)]},
        role="DECLARANT",
    )
    assert codes(corrected) == ["COVERED_BY_FULL_DECLARATION"]
    refused = await op(
        api, REFUSE, {"number": temporaries[1], "grounds": ["SUSPENSION"], "reason": "p.9"}
    )
    assert codes(refused) == ["COVERED_BY_FULL_DECLARATION"]
    assert await snapshot(database) == before
    # the full declaration is refused first; its temporaries can then be refused too
    payload = await op(api, REFUSE, {"number": full, "grounds": ["SUSPENSION"], "reason": "p.9"})
    assert codes(payload) == []
    assert await figures(api, number) == ("50", "0", "50")
    for temporary in temporaries:
        payload = await op(
            api, REFUSE, {"number": temporary, "grounds": ["SUSPENSION"], "reason": "p.9"}
        )
        assert codes(payload) == []
    assert await figures(api, number) == ("0", "0", "100")


# --- p.13 ---------------------------------------------------------------------------------


async def test_p13_automatic_mode_releases_a_clean_declaration_with_a_trace(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.13: control, accounting and the release decision with no officer,
    each step traced; the accounting notification precedes release (p.10)."""
    number = await license()
    declaration = await registered(api, decl([item(number, quantity="8")]))
    payload = await op(api, AUTO, {"number": declaration})
    assert codes(payload) == []
    result = payload["declaration"]
    assert result["status"] == "RELEASED"
    assert [(s["step"], s["passed"]) for s in result["autoTrace"]] == [
        ("CONTROL", True),
        ("DEADLINE", True),
        ("ACCOUNTING", True),
        ("DECISION", True),
    ]
    assert all(s["point"].startswith("Order 1907") for s in result["autoTrace"])
    assert [e["operation"] for e in result["ledgerEntries"]] == ["WRITE_OFF", "RELEASE"]
    assert result["accountingNotification"]["kind"] == "ACCOUNTED"
    assert await figures(api, number) == ("8", "8", "92")
    again = await op(api, AUTO, {"number": declaration})
    assert codes(again) == ["AUTOMATIC_MODE_NOT_APPLICABLE"]


async def test_p13_automatic_mode_hands_a_bad_declaration_to_an_officer(
    api: Api, clock: FixedClock, license: NewLicense
) -> None:
    """Order 1907 p.13; DESIGN "Automatic mode": with a discrepancy, or past the
    deadline, it hands the declaration to an officer (CONTROLLED) with its trace and
    never refuses; nothing is written off."""
    number = await license()
    bad = await registered(api, decl([item(number, quantity="8", name="Генераторы")]))
    payload = await op(api, AUTO, {"number": bad})
    assert codes(payload) == []
    result = payload["declaration"]
    assert result["status"] == "CONTROLLED"
    assert found(result) == ["NAME_MISMATCH"]
    assert [(s["step"], s["passed"]) for s in result["autoTrace"]] == [
        ("CONTROL", False),
        ("DECISION", False),
    ]
    assert "NAME_MISMATCH" in result["autoTrace"][0]["detail"]
    assert result["ledgerEntries"] == []

    late = await registered(api, decl([item(number, quantity="8")]))
    over = await registered(api, decl([item(number, quantity="101")]))
    clock.advance(timedelta(hours=5))
    payload = await op(api, AUTO, {"number": late})
    assert payload["declaration"]["status"] == "CONTROLLED"
    assert [(s["step"], s["passed"]) for s in payload["declaration"]["autoTrace"]] == [
        ("CONTROL", True),
        ("DEADLINE", False),
        ("DECISION", False),
    ]
    payload = await op(api, AUTO, {"number": over})
    assert payload["declaration"]["status"] == "CONTROLLED"  # exhaustion: still no refusal
    assert "EXHAUSTION" in payload["declaration"]["autoTrace"][-1]["detail"]
    assert await figures(api, number) == ("0", "0", "100")


async def test_p13_automatic_mode_on_registration_setting(
    settings: Settings, database: Database, keys: dict[str, str], license: NewLicense
) -> None:
    """Order 1907 p.13 ("when technically possible ... automatically"): with the
    setting auto_mode_on_registration the automatic mode runs on registration."""
    auto = settings.model_copy(update={"auto_mode_on_registration": True})
    app = create_app(auto, clock=FixedClock(START), database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        auto_api = Api(http=http, keys=keys)
        number = await license()
        clean = await register(auto_api, decl([item(number, quantity="3")]))
        assert codes(clean) == []
        assert clean["declaration"]["status"] == "RELEASED"
        assert [s["step"] for s in clean["declaration"]["autoTrace"]] == [
            "CONTROL",
            "DEADLINE",
            "ACCOUNTING",
            "DECISION",
        ]
        bad = await register(auto_api, decl([item(number, quantity="3", hsCode="8504220000")]))
        assert bad["declaration"]["status"] == "CONTROLLED"
        assert found(bad["declaration"]) == ["HS_CODE_MISMATCH"]
        assert bad["declaration"]["ledgerEntries"] == []
        assert await figures(auto_api, number) == ("3", "3", "97")


# --- idempotency and who sees what --------------------------------------------------------


async def test_idempotency_same_key_twice_is_replayed_and_changes_nothing(
    api: Api, database: Database, license: NewLicense
) -> None:
    """DESIGN "The invariant": every operation carries an idempotency key; a resend
    returns the first result and writes nothing; the same key with other content is
    refused with IDEMPOTENCY_KEY_REUSED."""
    number = await license()
    declaration = await controlled(api, decl([item(number, quantity="9")]))
    key = unique("k")
    first = await op(api, ACCOUNT, {"idempotencyKey": key, "number": declaration})
    assert codes(first) == []
    assert first["replayed"] is False
    before = await snapshot(database)
    again = await op(api, ACCOUNT, {"idempotencyKey": key, "number": declaration})
    assert again["replayed"] is True
    assert codes(again) == []
    assert again["declaration"]["number"] == declaration
    assert await snapshot(database) == before
    assert await figures(api, number) == ("9", "0", "91")

    other = await controlled(api, decl([item(number, quantity="1")]))
    reused = await op(api, ACCOUNT, {"idempotencyKey": key, "number": other})
    assert codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    assert reused["userErrors"][0]["field"] == ["input", "idempotencyKey"]
    assert await figures(api, number) == ("9", "0", "91")

    # the same key sent twice at the same time: one effect, one of the two is a replay
    third = await controlled(api, decl([item(number, quantity="3")]))
    same = {"idempotencyKey": unique("k"), "number": third}
    results = await asyncio.gather(op(api, ACCOUNT, same), op(api, ACCOUNT, same))
    assert sorted(r["replayed"] for r in results) == [False, True]
    assert all(codes(r) == [] for r in results)
    assert await figures(api, number) == ("12", "0", "88")

    # a registration resent with the same key
    data = decl([item(number, quantity="2")])
    reg_key = unique("k")
    payload = {"idempotencyKey": reg_key, "declaration": data}
    one = await op(api, REGISTER_DECLARATION, payload, role="DECLARANT")
    before = await snapshot(database)
    two = await op(api, REGISTER_DECLARATION, payload, role="DECLARANT")
    assert (two["replayed"], two["declaration"]["id"]) == (True, one["declaration"]["id"])
    assert await snapshot(database) == before
    changed = {**payload, "declaration": {**data, "procedure": "40"}}
    assert codes(await op(api, REGISTER_DECLARATION, changed, role="DECLARANT")) == [
        "IDEMPOTENCY_KEY_REUSED"
    ]
    # DESIGN "Idempotency keys": scoped to the API key that sent them
    theirs = {
        "idempotencyKey": reg_key,
        "declaration": decl([item(number, quantity="2")], declarantInn=OTHER_INN),
    }
    other_key = await op(api, REGISTER_DECLARATION, theirs, role="OTHER_DECLARANT")
    assert (codes(other_key), other_key["replayed"]) == ([], False)


async def test_declarant_sees_and_touches_only_its_own_declarations(
    api: Api, license: NewLicense
) -> None:
    """DESIGN "Who uses it", "Idempotency keys": DECLARANT keys see only their own
    declarations; another's is null and operations on it are DECLARATION_NOT_FOUND."""
    number = await license()
    theirs = await registered(
        api,
        decl([item(number, quantity="1")], declarantInn=OTHER_INN),
        role="OTHER_DECLARANT",
    )
    mine = await registered(api, decl([item(number, quantity="1")]))
    assert await get(api, theirs, role="DECLARANT") is None
    assert (await get(api, theirs, role="OTHER_DECLARANT"))["number"] == theirs  # type: ignore[index]
    assert await get(api, mine, role="OTHER_DECLARANT") is None
    for document, extra in (
        (WITHDRAW, {}),
        (CORRECT, {"items": [item(number, quantity="2", itemNo=1)]}),
    ):
        payload = await op(api, document, {"number": theirs, **extra}, role="DECLARANT")
        assert codes(payload) == ["DECLARATION_NOT_FOUND"]
    body = await api.data(DECLARATIONS, {"f": {"licenseNumber": number}}, role="DECLARANT")
    assert [e["node"]["number"] for e in body["declarations"]["edges"]] == [mine]
    body = await api.data(DECLARATIONS, {"f": {"licenseNumber": number}}, role="OFFICER")
    assert body["declarations"]["totalCount"] == 2
    refused = await register(api, decl([item(number)], declarantInn=OTHER_INN), role="DECLARANT")
    assert codes(refused) == ["NOT_YOUR_DECLARATION"]


async def test_p5_control_and_accounting_are_officer_operations(
    api: Api, license: NewLicense
) -> None:
    """Order 1907 p.5: the customs officer performs control and accounting with the
    software; a DECLARANT key gets FORBIDDEN for control, accounting, release, refusal,
    deadline extensions and the automatic mode, and nothing changes."""
    number = await license()
    declaration = await registered(api, decl([item(number, quantity="1")]))
    for document, extra in (
        (CONTROL, {}),
        (ACCOUNT, {}),
        (RELEASE, {}),
        (AUTO, {}),
        (REFUSE, {"grounds": ["EXHAUSTION"], "reason": "x"}),
        (EXTEND, {"hours": 1, "reason": "x"}),
    ):
        payload = {"idempotencyKey": unique("k"), "number": declaration, **extra}
        body = await api.gql(document, {"input": payload}, role="DECLARANT")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document
        assert body["data"] is None
    assert (await get(api, declaration))["status"] == "REGISTERED"  # type: ignore[index]


# --- queries ------------------------------------------------------------------------------


async def test_declarations_filters(api: Api, clock: FixedClock, license: NewLicense) -> None:
    """The declarations list (DESIGN "Who uses it": filters for officers and analysts):
    status, licenseNumber, declarantInn, registeredFrom/To, procedure, kind."""
    number = await license()
    first = await released(api, decl([item(number, quantity="1")]))
    clock.advance(timedelta(hours=1))
    middle_from = clock.now()
    transit = await controlled(api, decl([item(number, quantity="1")], procedure="80"))
    clock.advance(timedelta(hours=1))
    temporary = await registered(
        api,
        decl([item(number, quantity="1")], kind="TEMPORARY", declarantInn=OTHER_INN),
        role="OTHER_DECLARANT",
    )

    async def listed(**conditions: Any) -> list[str]:
        f = {"licenseNumber": number, **conditions}
        body = await api.data(DECLARATIONS, {"f": f}, role="ANALYST")
        connection = body["declarations"]
        assert connection["totalCount"] == len(connection["edges"])
        return [e["node"]["number"] for e in connection["edges"]]

    assert await listed() == [temporary, transit, first]  # newest first
    assert await listed(status=["RELEASED"]) == [first]
    assert await listed(status=["CONTROLLED", "REGISTERED"]) == [temporary, transit]
    assert await listed(declarantInn=OTHER_INN) == [temporary]
    assert await listed(declarantInn=HOLDER_INN) == [transit, first]
    assert await listed(procedure="80") == [transit]
    assert await listed(kind="TEMPORARY") == [temporary]
    assert await listed(kind="STANDARD", procedure="10") == [first]
    to = (middle_from + timedelta(minutes=30)).isoformat()
    assert await listed(registeredFrom=middle_from.isoformat(), registeredTo=to) == [transit]
    assert await listed(registeredTo=middle_from.isoformat()) == [first]
    assert await listed(registeredFrom=clock.now().isoformat()) == [temporary]
    body = await api.data(DECLARATIONS, {"f": {"licenseNumber": unique("RU-NONE")}}, role="OFFICER")
    assert body["declarations"]["totalCount"] == 0


async def test_accounting_notifications_by_license(api: Api, license: NewLicense) -> None:
    """Order 1907 p.10: accounting notifications, newest first, filtered by licence
    (a declaration touching two licences is listed under both)."""
    one, two = await license(), await license()
    both = await accounted(api, decl([item(one, quantity="2"), item(two, quantity="3")]))
    only_one = await released(api, decl([item(one, quantity="4")]))
    listed_one = await notifications(api, license=one)
    assert [(n["kind"], n["declarationNumber"]) for n in listed_one] == [
        ("RELEASED", only_one),
        ("ACCOUNTED", only_one),
        ("ACCOUNTED", both),
    ]
    listed_two = await notifications(api, license=two)
    assert [(n["kind"], n["declarationNumber"]) for n in listed_two] == [("ACCOUNTED", both)]
    assert listed_two[0]["licenseNumbers"] == sorted([one, two])
    body = await api.data(NOTIFICATIONS, {"l": one, "d": None}, role="OTHER_DECLARANT")
    assert body["accountingNotifications"]["totalCount"] == 0


async def test_preview_returns_discrepancies_and_planned_entries_and_writes_nothing(
    api: Api, database: Database, license: NewLicense
) -> None:
    """Order 1907 p.6-8 as a dry run: previewDeclaration gives the discrepancies, whether
    accounting is required, the planned write-offs (converted exactly) and why
    accounting would be refused, and writes nothing."""
    number = await license()
    clean = decl([item(number, quantity="4"), wire_line2(number, "1500", unit="163")])
    before = await snapshot(database)
    body = await api.data(PREVIEW, {"d": clean}, role="DECLARANT")
    preview = body["previewDeclaration"]
    assert preview["inputErrors"] == []
    assert preview["discrepancies"] == []
    assert preview["accountingRequired"] is True
    assert preview["plannedEntries"] == [
        {
            "licenseNumber": number,
            "lineNo": 1,
            "itemNo": 1,
            "operation": "WRITE_OFF",
            "quantity": "4",
            "value": "4000",
        },
        {
            "licenseNumber": number,
            "lineNo": 2,
            "itemNo": 2,
            "operation": "WRITE_OFF",
            "quantity": "1.5",
            "value": None,
        },
    ]
    assert preview["accountingErrors"] == []

    bad = decl([item(number, quantity="101", hsCode="8504220000")])
    preview = (await api.data(PREVIEW, {"d": bad}, role="OFFICER"))["previewDeclaration"]
    assert {(d["code"], d["fixable"]) for d in preview["discrepancies"]} == {
        ("HS_CODE_MISMATCH", True),
        ("QUANTITY_EXCEEDS_AVAILABLE", False),
    }
    assert [e["code"] for e in preview["accountingErrors"]] == ["QUANTITY_EXCEEDS_AVAILABLE"]
    assert preview["plannedEntries"] == []

    transit = decl([item(number, quantity="1")], procedure="80")
    preview = (await api.data(PREVIEW, {"d": transit}, role="OFFICER"))["previewDeclaration"]
    assert (preview["accountingRequired"], preview["plannedEntries"]) == (False, [])
    malformed = decl([item(number, hsCode="85")])
    preview = (await api.data(PREVIEW, {"d": malformed}, role="OFFICER"))["previewDeclaration"]
    assert [e["code"] for e in preview["inputErrors"]] == ["INVALID_HS_CODE"]
    assert await snapshot(database) == before
    assert await figures(api, number) == ("0", "0", "100")


def test_every_point_from_2_to_13_is_walked() -> None:
    """Every point of Order 1907 from p.2 to p.13 has at least one test here."""
    names = [name for name in globals() if name.startswith("test_p")]
    for point in range(2, 14):
        assert any(f"p{point}" in name.split("_") for name in names), point
