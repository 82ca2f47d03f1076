"""Processing permits through the API (Permit rules p.1-p.9, DESIGN Part B).

Each rule of the filling rules is exercised through GraphQL, and every refusal is
checked to leave the database exactly as it was (permits, revisions, sequence counters,
customs offices, idempotency records).  Dates use the request clock (``clock.set``).
"""

from __future__ import annotations

import inspect
import re
import time
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.clock import FixedClock
from api.db import Database
from api.settings import Settings
from domain import numbers
from domain.access import Principal, Role
from domain.permits import terms, validation
from resolvers.permits import _ORDER_FIELDS, permit_query
from schema.permits.codes import AmendPermitErrorCode, IssuePermitErrorCode
from schema.permits.enums import PermitOrderField, PermitStatus
from schema.permits.inputs import PermitFilter
from schema.scalars import CustomsOfficeCode, Inn
from tests.support.api import HOLDER_INN, OTHER_INN, Api
from tests.support.permits import (
    AMEND,
    ANNUL,
    CREATE,
    EXPIRE,
    EXTEND,
    FIX_TERM,
    PERMIT,
    RESTORE,
    REVOKE,
    SAVE_OFFICE,
    TRANSFER,
    UPDATE,
    changed,
    create,
    error_codes,
    issue,
    issued,
    key,
    new_office,
    norm,
    office_ref,
    permit_input,
    row,
    snapshot,
)

Payload = dict[str, Any]


def moscow(text: str) -> datetime:
    """A moment written in Moscow time (UTC+3)."""
    return datetime.fromisoformat(text + "+03:00").astimezone(UTC)


async def refused_issue(api: Api, database: Database, data: dict[str, Any]) -> list[Any]:
    """Create a draft of ``data``, issue it, expect a refusal that changes nothing."""
    draft = await create(api, data)
    before = await snapshot(database)
    payload = await issue(api, draft["permit"]["id"])
    assert payload["permit"] is None
    assert await snapshot(database) == before
    return error_codes(payload)


async def op(
    api: Api, document: str, name: str, input_: dict[str, Any], *, role: str = "OFFICER"
) -> Payload:
    body = await api.data(document, {"input": {"idempotencyKey": key(), **input_}}, role=role)
    payload: Payload = body[name]
    return payload


async def refused_op(
    api: Api, database: Database, document: str, name: str, input_: dict[str, Any]
) -> list[Any]:
    before = await snapshot(database)
    payload = await op(api, document, name, input_)
    assert payload["permit"] is None, payload
    assert await snapshot(database) == before
    return error_codes(payload)


# --- p.1 header ---------------------------------------------------------------------------


async def test_p1_header_names_regional_administration_and_customs(api: Api) -> None:
    """Permit rules p.1: the regional customs administration and the customs under it that
    issued the permit, both from the reference data."""
    permit = await issued(api)
    assert permit["header"] == {
        "customsOfficeCode": "10216000",
        "customsOfficeName": "Балтийская таможня",
        "regionalAdministrationCode": "10200000",
        "regionalAdministrationName": "Северо-Западное таможенное управление",
        "reportsToFts": False,
        "timeZone": "Europe/Moscow",
    }


async def test_p1_customs_reporting_to_fts_is_named_alone(api: Api) -> None:
    """Permit rules p.1: a customs reporting directly to the FTS is named alone."""
    permit = await issued(api, permit_input(office="10012000"))
    header = permit["header"]
    assert header["customsOfficeName"] == "Калининградская областная таможня"
    assert header["reportsToFts"] is True
    assert header["regionalAdministrationCode"] is None
    assert header["regionalAdministrationName"] is None


@pytest.mark.parametrize(
    ("office", "code"),
    [("99999999", "CUSTOMS_OFFICE_NOT_FOUND"), ("10200000", "NOT_AN_ISSUING_CUSTOMS")],
)
async def test_p1_issuing_office_must_be_a_known_customs(
    api: Api, database: Database, office: str, code: str
) -> None:
    """Permit rules p.1: the issuing office is a customs of the reference data (not an
    unknown code, not a regional administration)."""
    before = await snapshot(database)
    payload = await op(api, CREATE, "createPermitDraft", {"permit": permit_input(office=office)})
    assert error_codes(payload) == [(code, ["input", "permit", "customsOfficeCode"])]
    assert await snapshot(database) == before


# --- p.2 number ---------------------------------------------------------------------------


async def test_p2_number_is_office_date_51_sequence(
    api: Api, database: Database, clock: FixedClock
) -> None:
    """Permit rules p.2: CCCCCCCC/DDMMYY/51/SEQ: the customs' code, the issue date, the
    procedure code 51, the sequence number in that customs (4 digits by default)."""
    office = await new_office(api)
    clock.set(moscow("2027-03-15T10:00:00"))
    first = await issued(api, permit_input(office=office))
    second = await issued(api, permit_input(office=office))
    assert first["number"] == f"{office}/150327/51/0001"
    assert second["number"] == f"{office}/150327/51/0002"
    assert (first["sequence"], second["sequence"]) == (1, 2)
    assert first["issueDate"] == "2027-03-15"
    counter = await database.db.permit_sequences.find_one({"_id": f"{office}:2027"})
    assert counter is not None
    assert counter["value"] == 2


async def test_p2_sequence_restarts_each_year_of_the_local_date(
    api: Api, clock: FixedClock
) -> None:
    """Permit rules p.2, DESIGN "Permit number": the sequence runs through the calendar
    year of the customs' *local* date and restarts at 1: 23:30 on 31 December in Moscow
    is still 2027, 00:30 on 1 January is 2028 (21:30 UTC on 31 December)."""
    office = await new_office(api)
    clock.set(moscow("2027-12-31T23:30:00"))
    december = await issued(api, permit_input(office=office))
    clock.set(moscow("2028-01-01T00:30:00"))
    january = await issued(api, permit_input(office=office))
    again = await issued(api, permit_input(office=office))
    assert december["number"] == f"{office}/311227/51/0001"
    assert january["number"] == f"{office}/010128/51/0001"
    assert again["number"] == f"{office}/010128/51/0002"


async def test_p2_local_date_follows_the_customs_time_zone(api: Api, clock: FixedClock) -> None:
    """DESIGN "Permit number": the date and the year are the issuing customs' local date:
    14:30 UTC on 31 December is already 1 January in Vladivostok (UTC+10)."""
    office = await new_office(api, time_zone="Asia/Vladivostok", parent="10700000")
    clock.set(datetime(2027, 12, 31, 14, 30, tzinfo=UTC))
    permit = await issued(api, permit_input(office=office))
    assert permit["number"] == f"{office}/010128/51/0001"
    assert permit["issueDate"] == "2028-01-01"


async def test_p2_refused_issue_consumes_no_number(api: Api, database: Database) -> None:
    """Permit rules p.2: numbers are never skipped: a refused issue between two issues
    leaves the counter alone (the next permit gets the next number)."""
    office = await new_office(api)
    first = await issued(api, permit_input(office=office))
    bad = permit_input(office=office)
    bad["identification"] = []
    assert await refused_issue(api, database, bad) == [
        ("IDENTIFICATION_MISSING", ["permit", "identification"])
    ]
    second = await issued(api, permit_input(office=office))
    assert first["number"].endswith("/0001")
    assert second["number"].endswith("/0002")


async def test_p2_sequence_width_is_a_setting(
    settings: Settings, database: Database, clock: FixedClock, keys: dict[str, str]
) -> None:
    """DESIGN "Permit number": the width of the sequence is a setting
    (CUSTOMS_PERMIT_SEQUENCE_WIDTH) with a minimum, and grows past it."""
    wide = settings.model_copy(update={"permit_sequence_width": 6})
    app = create_app(wide, clock=clock, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        api = Api(http=http, keys=keys)
        office = await new_office(api)
        permit = await issued(api, permit_input(office=office))
    assert permit["number"].endswith("/51/000001")
    await database.db.permit_sequences.update_one(
        {"_id": f"{office}:2027"}, {"$set": {"value": 99999}}
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, clock=clock, database=database)),
        base_url="http://test",
    ) as http:
        grown = await issued(Api(http=http, keys=keys), permit_input(office=office))
    assert grown["number"].endswith("/51/100000")


async def test_p2_issue_is_idempotent(api: Api, database: Database) -> None:
    """DESIGN: a resend of an issue returns the first result and draws no new number."""
    office = await new_office(api)
    draft = await create(api, permit_input(office=office))
    same_key = key("issue")
    first = await issue(api, draft["permit"]["id"], same_key)
    before = await snapshot(database)
    again = await issue(api, draft["permit"]["id"], same_key)
    assert await snapshot(database) == before
    assert again["replayed"] is True
    assert again["permit"]["number"] == first["permit"]["number"]
    other = await create(api, permit_input(office=office))
    reused = await issue(api, other["permit"]["id"], same_key)
    assert error_codes(reused) == [("IDEMPOTENCY_KEY_REUSED", ["input", "idempotencyKey"])]
    twice = await issue(api, draft["permit"]["id"])
    assert error_codes(twice) == [("OPERATION_NOT_ALLOWED", [])]


# --- p.3 holder and transfer --------------------------------------------------------------


async def test_p3_transfer_to_another_russian_person(api: Api, clock: FixedClock) -> None:
    """Permit rules p.3: point 1.1 is filled when the customs decided, on the holder's
    application, to pass the permit to another Russian person; point 1 stays."""
    permit = await issued(api)
    clock.set(moscow("2027-03-10T12:00:00"))
    new_holder = {"name": "ООО «Хлебозавод»", "inn": OTHER_INN, "address": "Москва, ул. Хлебная, 2"}
    payload = await op(
        api,
        TRANSFER,
        "transferPermit",
        {
            "number": permit["number"],
            "newHolder": new_holder,
            "decisionNumber": "10216000/2027/15",
            "decisionDate": "2027-03-09",
        },
    )
    assert payload["userErrors"] == []
    after = payload["permit"]
    assert after["holder"]["inn"] == HOLDER_INN
    assert after["transfer"] == {
        "newHolder": new_holder,
        "decisionNumber": "10216000/2027/15",
        "decisionDate": "2027-03-09",
    }
    assert after["currentHolder"]["inn"] == OTHER_INN
    # The new holder's declarant key sees it now; the former holder's does not.
    read = "query($n: String!) { permit(number: $n) { number } }"
    assert (await api.data(read, {"n": permit["number"]}, role="OTHER_DECLARANT"))["permit"]
    assert (await api.data(read, {"n": permit["number"]}, role="DECLARANT"))["permit"] is None


async def test_p3_transfer_refusals(api: Api, database: Database, clock: FixedClock) -> None:
    """Permit rules p.3: to *another* person, by a decision not before the permit nor after
    today, of a permit in force."""
    clock.set(moscow("2027-03-15T12:00:00"))
    permit = await issued(api)
    base = {
        "number": permit["number"],
        "newHolder": {"name": "ООО «Хлебозавод»", "inn": OTHER_INN, "address": "Москва"},
        "decisionNumber": "15",
        "decisionDate": "2027-03-15",
    }
    same = changed(base, newHolder={"name": "x", "inn": HOLDER_INN, "address": "y"})
    assert await refused_op(api, database, TRANSFER, "transferPermit", same) == [
        ("TRANSFER_TO_SAME_HOLDER", ["input", "newHolder", "inn"])
    ]
    early = changed(base, decisionDate="2027-03-14")
    assert await refused_op(api, database, TRANSFER, "transferPermit", early) == [
        ("TRANSFER_BEFORE_ISSUE", ["input", "decisionDate"])
    ]
    future = changed(base, decisionDate="2027-03-16")
    assert await refused_op(api, database, TRANSFER, "transferPermit", future) == [
        ("DATE_IN_FUTURE", ["input", "decisionDate"])
    ]
    blank = changed(base, decisionNumber=" ")
    assert await refused_op(api, database, TRANSFER, "transferPermit", blank) == [
        ("REQUIRED", ["input", "decisionNumber"])
    ]
    unknown = changed(base, number="10216000/150327/51/9999")
    assert await refused_op(api, database, TRANSFER, "transferPermit", unknown) == [
        ("PERMIT_NOT_FOUND", ["input", "number"])
    ]


# --- p.4 trade documents ------------------------------------------------------------------


async def test_p4_trade_documents(api: Api, database: Database) -> None:
    """Permit rules p.4: point 2 names the documents of the deal with number and date,
    with amendments relevant to the goods (not dated before the document)."""
    none = permit_input()
    none["tradeDocuments"] = []
    assert await refused_issue(api, database, none) == [("REQUIRED", ["permit", "tradeDocuments"])]
    early = permit_input()
    early["tradeDocuments"][0]["amendments"][0]["date"] = "2027-01-09"
    early["tradeDocuments"][0]["number"] = ""
    assert await refused_issue(api, database, early) == [
        ("REQUIRED", ["permit", "tradeDocuments", "0", "number"]),
        (
            "AMENDMENT_BEFORE_DOCUMENT",
            ["permit", "tradeDocuments", "0", "amendments", "0", "date"],
        ),
    ]


# --- p.5 goods tables ---------------------------------------------------------------------


async def test_p5a_rows_numbered_only_when_more_than_one(api: Api, database: Database) -> None:
    """Permit rules p.5(а): column N numbers the rows 1..n when a table has more than one
    row, and stays empty for a table's only row."""
    unnumbered = permit_input()
    unnumbered["table3"] = [row("Пшеница", "1001990000", "500"), row("Рожь", "1002900000", "500")]
    single = permit_input()
    single["table5"][0]["number"] = 1
    assert await refused_issue(api, database, unnumbered) == [
        ("ROW_NUMBER_MISSING", ["permit", "table3", "0", "number"]),
        ("ROW_NUMBER_MISSING", ["permit", "table3", "1", "number"]),
    ]
    assert await refused_issue(api, database, single) == [
        ("ROW_NUMBER_NOT_ALLOWED", ["permit", "table5", "0", "number"])
    ]
    numbered = permit_input()
    numbered["table3"] = [
        row("Пшеница", "1001990000", "500", number=1),
        row("Рожь", "1002900000", "500", number=2),
    ]
    numbered["table5"][0]["quantity"] = "375"
    numbered["table6"][0]["quantity"] = "100"
    numbered["table8"][0]["quantity"] = "25"
    numbered["yieldNorms"] += [
        norm("PRODUCTS", "75", source=2),
        norm("WASTE", "20", source=2),
        norm("LOSSES", "5", source=2),
    ]
    permit = await issued(api, numbered)
    assert [r["number"] for r in permit["table3"]] == [1, 2]
    # Each norm on its own gives 75 % of one source row: 375 kg per source, as stated.
    assert permit["warnings"] == []


async def test_p5b_name_and_p5v_hs_code(api: Api, database: Database) -> None:
    """Permit rules p.5(б), (в): the name per the EAEU CN FEA is required; the HS code is
    4-10 digits (a heading is allowed), a malformed one is refused at the door."""
    blank = permit_input()
    blank["table5"][0]["name"] = "  "
    assert await refused_issue(api, database, blank) == [
        ("REQUIRED", ["permit", "table5", "0", "name"])
    ]
    before = await snapshot(database)
    bad = permit_input()
    bad["table3"][0]["hsCode"] = "10019"
    body = await api.gql(
        CREATE, {"input": {"idempotencyKey": key(), "permit": bad}}, role="OFFICER"
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_SCALAR"
    assert await snapshot(database) == before
    heading = permit_input()
    heading["table3"][0]["hsCode"] = "1001"
    assert "1001" in (await issued(api, heading))["hsCodes"]


async def test_p5g_quantity_with_unit_and_other_units(api: Api, database: Database) -> None:
    """Permit rules p.5(г): the quantity (> 0, at most 6 decimals) in the HS unit (an OKEI
    code), optionally also in the processor's own units, named."""
    bad = permit_input()
    bad["table3"][0]["quantity"] = "0"
    bad["table5"][0]["unit"] = "999"
    bad["table6"][0]["quantity"] = "200.1234567"
    bad["table8"][0]["otherQuantities"] = [{"amount": "2", "unitName": ""}]
    codes = await refused_issue(api, database, bad)
    assert ("QUANTITY_NOT_POSITIVE", ["permit", "table3", "0", "quantity"]) in codes
    assert ("UNKNOWN_UNIT", ["permit", "table5", "0", "unit"]) in codes
    assert ("TOO_MANY_DECIMALS", ["permit", "table6", "0", "quantity"]) in codes
    assert ("REQUIRED", ["permit", "table8", "0", "otherQuantities", "0", "unitName"]) in codes
    good = permit_input()
    good["table3"][0]["otherQuantities"] = [{"amount": "20", "unitName": "мешок 50 кг"}]
    permit = await issued(api, good)
    assert permit["table3"][0]["otherQuantities"] == [{"amount": "20", "unitName": "мешок 50 кг"}]
    assert permit["table3"][0]["unitName"] == "кг"


async def test_p5d_cost_in_roubles_with_rate_on_issue_date(
    api: Api, database: Database, clock: FixedClock
) -> None:
    """Permit rules p.5(д): column 5 in tables 3, 5, 6, 7 only: the estimated cost in
    roubles with the Central Bank's rate of the currency on the issue date."""
    clock.set(moscow("2027-04-02T10:00:00"))
    bad = permit_input()
    bad["table8"][0]["cost"] = {"amountRub": "10.00"}
    bad["table5"][0]["cost"] = None
    bad["table6"][0]["cost"] = {"amountRub": "10.00", "currency": "USD"}
    bad["table3"][0]["cost"] = {"amountRub": "10.00", "currency": "RUB", "rate": "1"}
    codes = await refused_issue(api, database, bad)
    assert codes == [
        ("RATE_NOT_ALLOWED", ["permit", "table3", "0", "cost", "rate"]),
        ("REQUIRED", ["permit", "table5", "0", "cost"]),
        ("RATE_MISSING", ["permit", "table6", "0", "cost", "rate"]),
        ("COST_NOT_ALLOWED", ["permit", "table8", "0", "cost"]),
    ]
    stale = permit_input()
    stale["table3"][0]["cost"]["rateDate"] = "2027-04-01"
    assert await refused_issue(api, database, stale) == [
        ("RATE_DATE_NOT_ISSUE_DATE", ["permit", "table3", "0", "cost", "rateDate"])
    ]
    permit = await issued(api)
    assert permit["table3"][0]["cost"] == {
        "amountRub": "9050120",
        "currency": "USD",
        "rate": "90.5012",
        "rateDate": "2027-04-02",  # the issue date, filled in at issue
    }


async def test_p5e_customs_offices_column(api: Api, database: Database) -> None:
    """Permit rules p.5(е): column 6 in tables 3, 5, 6, 7 only names the customs or posts
    of the operations; a code given must be in the reference data."""
    bad = permit_input()
    bad["table3"][0]["customsOffices"] = []
    bad["table8"][0]["customsOffices"] = [office_ref()]
    bad["table5"][0]["customsOffices"] = [office_ref("Неизвестный пост", "10999999")]
    codes = await refused_issue(api, database, bad)
    assert codes == [
        ("REQUIRED", ["permit", "table3", "0", "customsOffices"]),
        ("CUSTOMS_OFFICE_NOT_ALLOWED", ["permit", "table8", "0", "customsOffices"]),
        ("CUSTOMS_OFFICE_NOT_FOUND", ["permit", "table5", "0", "customsOffices", "0", "code"]),
    ]
    post = permit_input()
    post["table3"][0]["customsOffices"] = [
        office_ref("Балтийский таможенный пост (ЦЭД)", "10216100"),
        office_ref("Кронштадтский таможенный пост", None),
    ]
    permit = await issued(api, post)
    assert len(permit["table3"][0]["customsOffices"]) == 2


# --- p.6 yield norms ----------------------------------------------------------------------


async def test_p6_yield_norms_percent_absolute_and_product_ranges(
    api: Api, database: Database
) -> None:
    """Permit rules p.6: point 4 gives each product's, waste's, residue's and loss's norm,
    in percent or absolute; a min-max range only for processing products."""
    bad = permit_input()
    bad["yieldNorms"] = [
        norm("PRODUCTS", "70", maximum="80"),
        norm("WASTE", "15", maximum="25"),
        norm("LOSSES", "5", unit="166"),
    ]
    assert await refused_issue(api, database, bad) == [
        ("YIELD_RANGE_NOT_ALLOWED", ["permit", "yieldNorms", "1", "maximum"]),
        ("YIELD_UNIT_NOT_ALLOWED", ["permit", "yieldNorms", "2", "unit"]),
    ]
    missing = permit_input()
    missing["yieldNorms"] = missing["yieldNorms"][:2]
    assert await refused_issue(api, database, missing) == [
        ("YIELD_NORM_MISSING", ["permit", "table8", "0"])
    ]
    good = permit_input()
    good["yieldNorms"] = [
        norm("PRODUCTS", "70", maximum="80"),
        {
            "sourceRow": 1,
            "targetTable": "WASTE",
            "targetRow": 1,
            "kind": "ABSOLUTE",
            "value": "0.2",
            "unit": "168",
            "perQuantity": "1000",
        },
        norm("LOSSES", "5"),
    ]
    permit = await issued(api, good)
    assert permit["yieldNorms"][0]["maximum"] == "80"
    # 0.2 t of bran per 1000 kg of wheat = 200 kg: agrees; 70..80 % of 1000 = 750: agrees.
    assert permit["warnings"] == []


async def test_p6_quantities_against_norms_are_warnings_not_errors(api: Api) -> None:
    """Permit rules p.5(г), p.6: quantities that disagree with the norms are returned as
    warnings with the permit; the permit is still issued."""
    data = permit_input()
    data["table5"][0]["quantity"] = "700"
    permit = await issued(api, data)
    assert permit["status"] == "IN_FORCE"
    assert [(w["code"], w["field"]) for w in permit["warnings"]] == [
        ("YIELD_QUANTITY_MISMATCH", ["table5", "0", "quantity"])
    ]
    assert "gives 750" in permit["warnings"][0]["message"]


# --- p.7 waste procedure ------------------------------------------------------------------


async def test_p7_waste_procedure_or_information_later(api: Api, database: Database) -> None:
    """Permit rules p.7: 6.1 names the procedure for the waste, or 6.2 says the information
    will be given later (then table 6 lists no waste): exactly one of the two."""
    both = permit_input()
    both["wasteProcedure"] = {"procedure": "уничтожение", "informationLater": True}
    neither = permit_input()
    neither["wasteProcedure"] = {}
    for data in (both, neither):
        assert await refused_issue(api, database, data) == [
            ("WASTE_PROCEDURE_CHOICE", ["permit", "wasteProcedure"])
        ]
    conflict = permit_input()
    conflict["wasteProcedure"] = {"informationLater": True}
    assert await refused_issue(api, database, conflict) == [
        ("WASTE_INFORMATION_CONFLICT", ["permit", "wasteProcedure", "informationLater"])
    ]
    repair = permit_input()
    repair["wasteProcedure"] = {"informationLater": True}
    repair["table6"] = []
    repair["yieldNorms"] = [norm("PRODUCTS", "75"), norm("LOSSES", "25")]
    repair["table8"][0]["quantity"] = "250"
    permit = await issued(api, repair)
    assert permit["wasteProcedure"] == {"procedure": None, "informationLater": True}


# --- p.8 identification -------------------------------------------------------------------


async def test_p8_identification_with_officers_actions(api: Api, database: Database) -> None:
    """Permit rules p.8: point 9 gives the identification method(s) (EAEU Customs Code
    art.167) with the officers' actions."""
    none = permit_input()
    none["identification"] = []
    assert await refused_issue(api, database, none) == [
        ("IDENTIFICATION_MISSING", ["permit", "identification"])
    ]
    blank = permit_input()
    blank["identification"][0]["officerActions"] = ""
    assert await refused_issue(api, database, blank) == [
        ("REQUIRED", ["permit", "identification", "0", "officerActions"])
    ]


# --- p.9 term -----------------------------------------------------------------------------


async def test_p9_term_in_whole_months_within_the_cap(api: Api, database: Database) -> None:
    """Permit rules p.9: the term is whole calendar months, at least one, and with
    extensions at most the cap (DESIGN "Term", 36 by default)."""
    zero = changed(permit_input(), term={"months": 0})
    assert await refused_issue(api, database, zero) == [
        ("TERM_NOT_POSITIVE", ["permit", "term", "months"])
    ]
    long = changed(permit_input(), term={"months": 37})
    assert await refused_issue(api, database, long) == [
        ("TERM_TOO_LONG", ["permit", "term", "months"])
    ]


async def fixed(api: Api, number: str, start: str) -> Payload:
    payload = await op(api, FIX_TERM, "fixPermitTerm", {"number": number, "startDate": start})
    assert payload["userErrors"] == [], payload
    permit: Payload = payload["permit"]
    return permit


async def extended(api: Api, number: str, months: int) -> Payload:
    payload = await op(api, EXTEND, "extendPermitTerm", {"number": number, "months": months})
    assert payload["userErrors"] == [], payload
    permit: Payload = payload["permit"]
    return permit


async def test_p9_term_fixed_at_first_placement_month_end_arithmetic(
    api: Api, clock: FixedClock
) -> None:
    """Permit rules p.9, DESIGN "Term": start 31 January, 1 month ends 28 February;
    extended by 2 months the end is 30 April (computed from the start and the total, not
    from 28 February)."""
    clock.set(moscow("2027-01-20T10:00:00"))
    permit = await issued(api, changed(permit_input(), term={"months": 1}))
    clock.set(moscow("2027-02-01T10:00:00"))
    after = await fixed(api, permit["number"], "2027-01-31")
    assert after["term"]["startDate"] == "2027-01-31"
    assert after["term"]["endDate"] == "2027-02-28"
    clock.set(moscow("2027-02-20T10:00:00"))
    after = await extended(api, permit["number"], 2)
    assert after["term"]["extensions"] == [
        {"months": 2, "endDate": "2027-04-30", "decisionNumber": None}
    ]
    assert after["term"]["endDateInForce"] == "2027-04-30"
    assert after["term"]["totalMonths"] == 3


async def test_p9_leap_year_and_across_years(api: Api, clock: FixedClock) -> None:
    """DESIGN "Term": 31 January 2028 + 1 month = 29 February 2028 (leap year); a term
    crossing the new year: 30 November 2027 + 3 months = 29 February 2028; extended by 12
    months: 30 November 2028 + ... = 28 February 2029 from the start and 15 months."""
    clock.set(moscow("2028-01-10T10:00:00"))
    leap = await issued(api, changed(permit_input(), term={"months": 1}))
    clock.set(moscow("2028-02-01T09:00:00"))
    assert (await fixed(api, leap["number"], "2028-01-31"))["term"]["endDate"] == "2028-02-29"

    clock.set(moscow("2027-11-01T10:00:00"))
    across = await issued(api, changed(permit_input(), term={"months": 3}))
    clock.set(moscow("2027-11-30T18:00:00"))
    after = await fixed(api, across["number"], "2027-11-30")
    assert after["term"]["endDate"] == "2028-02-29"
    clock.set(moscow("2028-02-01T10:00:00"))
    after = await extended(api, across["number"], 12)
    assert after["term"]["endDateInForce"] == "2029-02-28"


async def test_p9_term_refusals(api: Api, database: Database, clock: FixedClock) -> None:
    """Permit rules p.9: the term starts at the first placement (not before the issue, not
    in the future, once); only a fixed term is extended, up to the cap."""
    clock.set(moscow("2027-05-10T10:00:00"))
    permit = await issued(api)
    number = permit["number"]
    assert await refused_op(
        api, database, EXTEND, "extendPermitTerm", {"number": number, "months": 1}
    ) == [("TERM_NOT_FIXED", [])]
    assert await refused_op(
        api, database, FIX_TERM, "fixPermitTerm", {"number": number, "startDate": "2027-05-09"}
    ) == [("TERM_START_BEFORE_ISSUE", ["input", "startDate"])]
    assert await refused_op(
        api, database, FIX_TERM, "fixPermitTerm", {"number": number, "startDate": "2027-05-11"}
    ) == [("DATE_IN_FUTURE", ["input", "startDate"])]
    await fixed(api, number, "2027-05-10")
    assert await refused_op(
        api, database, FIX_TERM, "fixPermitTerm", {"number": number, "startDate": "2027-05-10"}
    ) == [("TERM_ALREADY_FIXED", [])]
    assert await refused_op(
        api, database, EXTEND, "extendPermitTerm", {"number": number, "months": 25}
    ) == [("TERM_TOO_LONG", ["input", "months"])]
    assert await refused_op(
        api, database, EXTEND, "extendPermitTerm", {"number": number, "months": 0}
    ) == [("TERM_NOT_POSITIVE", ["input", "months"])]
    assert (await extended(api, number, 24))["term"]["totalMonths"] == 36


async def test_p9_expiry_after_the_end_date(
    api: Api, database: Database, clock: FixedClock
) -> None:
    """Permit rules p.9, DESIGN "Term": the end date is still within the term; the day
    after, expirePermits (the request's clock, the customs' local date) expires it, and an
    ended term is no longer extended."""
    office = await new_office(api)
    clock.set(moscow("2027-06-01T10:00:00"))
    permit = await issued(api, changed(permit_input(office=office), term={"months": 1}))
    await fixed(api, permit["number"], "2027-06-01")  # ends 1 July 2027
    clock.set(moscow("2027-07-01T23:59:00"))
    payload = await op(api, EXPIRE, "expirePermits", {})
    assert permit["number"] not in [p["number"] for p in payload["expired"]]
    clock.set(moscow("2027-07-02T00:01:00"))
    assert await refused_op(
        api, database, EXTEND, "extendPermitTerm", {"number": permit["number"], "months": 1}
    ) == [("TERM_ENDED", [])]
    expire_key = key("expire")
    body = await api.data(EXPIRE, {"input": {"idempotencyKey": expire_key}}, role="OFFICER")
    expired = body["expirePermits"]["expired"]
    assert {"number": permit["number"], "status": "EXPIRED"} in expired
    before = await snapshot(database)
    again = await api.data(EXPIRE, {"input": {"idempotencyKey": expire_key}}, role="OFFICER")
    assert again["expirePermits"]["replayed"] is True
    assert again["expirePermits"]["expired"] == expired
    assert await snapshot(database) == before


# --- point 15 marks, lifecycle ------------------------------------------------------------


async def test_revoke_restore_annul_with_grounds_and_dates(
    api: Api, database: Database, clock: FixedClock
) -> None:
    """DESIGN Part B (point 15): revocation, annulment and restoration with dates and
    grounds, each a special mark; restoration brings the permit back into force."""
    clock.set(moscow("2027-07-01T10:00:00"))
    permit = await issued(api)
    number = permit["number"]
    clock.set(moscow("2027-07-05T10:00:00"))
    revoked = await op(
        api, REVOKE, "revokePermit",
        {"number": number, "grounds": "нарушение условий переработки", "date": "2027-07-04",
         "decisionNumber": "R-1"},
    )  # fmt: skip
    assert revoked["permit"]["status"] == "REVOKED"
    assert await refused_op(
        api, database, REVOKE, "revokePermit", {"number": number, "grounds": "x"}
    ) == [("OPERATION_NOT_ALLOWED", [])]
    assert await refused_op(
        api, database, RESTORE, "restorePermit",
        {"number": number, "grounds": "решение отменено", "date": "2027-07-03"},
    ) == [("MARK_OUT_OF_ORDER", ["input", "date"])]  # fmt: skip
    assert await refused_op(
        api, database, RESTORE, "restorePermit", {"number": number, "grounds": " "}
    ) == [("REQUIRED", ["input", "grounds"])]
    restored = await op(
        api, RESTORE, "restorePermit", {"number": number, "grounds": "решение отменено"}
    )
    assert restored["permit"]["status"] == "IN_FORCE"
    annulled = await op(
        api, ANNUL, "annulPermit", {"number": number, "grounds": "выдано с нарушением"}
    )
    assert annulled["permit"]["status"] == "ANNULLED"
    assert annulled["permit"]["specialMarks"] == [
        {"kind": "REVOCATION", "date": "2027-07-04", "grounds": "нарушение условий переработки",
         "decisionNumber": "R-1"},
        {"kind": "RESTORATION", "date": "2027-07-05", "grounds": "решение отменено",
         "decisionNumber": None},
        {"kind": "ANNULMENT", "date": "2027-07-05", "grounds": "выдано с нарушением",
         "decisionNumber": None},
    ]  # fmt: skip


# --- drafts, amendments, revisions --------------------------------------------------------


async def test_draft_edit_and_issue_problems(api: Api, database: Database) -> None:
    """A draft is saved incomplete; ``issueProblems`` says what would stop the issue; an
    edit with a stale revision is refused."""
    incomplete = permit_input()
    incomplete["identification"] = []
    draft = (await create(api, incomplete))["permit"]
    query = "query($id: ID!) { permitById(id: $id) { revision issueProblems { code field } } }"
    read = await api.data(query, {"id": draft["id"]}, role="OFFICER")
    assert read["permitById"]["issueProblems"] == [
        {"code": "IDENTIFICATION_MISSING", "field": ["permit", "identification"]}
    ]
    stale = await refused_op(
        api, database, UPDATE, "updatePermitDraft",
        {"id": draft["id"], "expectedRevision": 5, "permit": permit_input()},
    )  # fmt: skip
    assert stale == [("REVISION_MISMATCH", ["input", "expectedRevision"])]
    edited = await op(
        api, UPDATE, "updatePermitDraft",
        {"id": draft["id"], "expectedRevision": 1, "permit": permit_input()},
    )  # fmt: skip
    assert edited["permit"]["revision"] == 2
    read = await api.data(query, {"id": draft["id"]}, role="OFFICER")
    assert read["permitById"] == {"revision": 2, "issueProblems": []}


async def test_amendment_kept_as_revision_and_read_as_of_a_date(
    api: Api, database: Database, clock: FixedClock
) -> None:
    """DESIGN Part B: every amendment is kept as a revision; permitAsOf reads the permit
    in force on a date."""
    clock.set(moscow("2027-08-01T10:00:00"))
    permit = await issued(api)
    number = permit["number"]
    clock.set(moscow("2027-08-10T10:00:00"))
    more = permit_input()
    more["table3"][0]["quantity"] = "2000"
    more["table5"][0]["quantity"] = "1500"
    more["table6"][0]["quantity"] = "400"
    more["table8"][0]["quantity"] = "100"
    amended = await op(
        api, AMEND, "amendPermit",
        {"number": number, "reason": "доп. соглашение 2", "expectedRevision": 2, "permit": more},
    )  # fmt: skip
    assert amended["userErrors"] == []
    assert amended["permit"]["table3"][0]["quantity"] == "2000"
    assert amended["permit"]["number"] == number
    as_of = """query($n: String!, $d: Date!) { permitAsOf(number: $n, date: $d) {
        revision operation effectiveDate reason permit { number status table3 { quantity } } } }"""
    on = {
        day: (await api.data(as_of, {"n": number, "d": day}, role="ANALYST"))["permitAsOf"]
        for day in ("2027-07-31", "2027-08-01", "2027-08-09", "2027-08-10", "2030-01-01")
    }
    assert on["2027-07-31"] is None
    assert on["2027-08-01"]["operation"] == "ISSUE"
    assert on["2027-08-09"]["permit"]["table3"] == [{"quantity": "1000"}]
    assert on["2027-08-10"]["operation"] == "AMEND"
    assert on["2027-08-10"]["reason"] == "доп. соглашение 2"
    assert on["2030-01-01"]["permit"]["table3"] == [{"quantity": "2000"}]
    revisions = await api.data(
        "query($n: String!) { permit(number: $n) { revisions { revision operation } } }",
        {"n": number},
        role="OFFICER",
    )
    assert [r["operation"] for r in revisions["permit"]["revisions"]] == [
        "AMEND",
        "ISSUE",
        "CREATE",
    ]


async def test_amendment_refusals(api: Api, database: Database) -> None:
    """DESIGN Part B: an amendment keeps the issuing customs and the holder (a new holder
    comes by transfer, p.3), and passes every rule again."""
    permit = await issued(api)
    other = permit_input(office="10129000", holder_inn=OTHER_INN)
    other["identification"] = []
    codes = await refused_op(
        api, database, AMEND, "amendPermit",
        {"number": permit["number"], "reason": "x", "permit": other},
    )  # fmt: skip
    assert codes == [
        ("ISSUING_OFFICE_FIXED", ["input", "permit", "customsOfficeCode"]),
        ("HOLDER_CHANGE_BY_TRANSFER", ["input", "permit", "holder", "inn"]),
        ("IDENTIFICATION_MISSING", ["input", "permit", "identification"]),
    ]


# --- reads: roles, lists, aggregates, the node interface ----------------------------------


async def test_roles(api: Api, database: Database) -> None:
    """api/auth.py: OFFICER issues; DECLARANT reads the permits its INN holds; ANALYST
    reads all and changes nothing; the licence feed does not read permits."""
    mine = await issued(api)
    others = await issued(api, permit_input(holder_inn=OTHER_INN))
    before = await snapshot(database)
    for role in ("DECLARANT", "ANALYST", "INTEGRATOR"):
        body = await api.gql(
            CREATE, {"input": {"idempotencyKey": key(), "permit": permit_input()}}, role=role
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(database) == before
    read = "query($n: String!) { permit(number: $n) { number } }"
    assert (await api.data(read, {"n": mine["number"]}, role="DECLARANT"))["permit"]
    assert (await api.data(read, {"n": others["number"]}, role="DECLARANT"))["permit"] is None
    assert (await api.data(read, {"n": others["number"]}, role="ANALYST"))["permit"]
    forbidden = await api.gql(read, {"n": mine["number"]}, role="INTEGRATOR")
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    node = await api.data(
        "query($id: ID!) { node(id: $id) { __typename ... on ProcessingPermit { number } } }",
        {"id": mine["id"]},
        role="ANALYST",
    )
    assert node["node"] == {"__typename": "ProcessingPermit", "number": mine["number"]}


LIST = """query($f: PermitFilter, $o: PermitOrder, $first: Int, $after: String) {
  permits(filter: $f, order: $o, first: $first, after: $after) {
    totalCount edges { cursor node { number status term { endDateInForce } } }
    pageInfo { hasNextPage endCursor } } }"""


async def test_permit_list_filters_order_and_pages(api: Api, clock: FixedClock) -> None:
    """The permits list: by status, customs, holder INN, an HS code in any table, term
    ending before a date; ordered by term end; keyset pages."""
    office = await new_office(api)
    clock.set(moscow("2027-09-01T10:00:00"))
    numbers = []
    for months in (3, 1, 2):
        data = changed(permit_input(office=office), term={"months": months})
        data["table5"][0]["hsCode"] = "1101001500"
        permit = await issued(api, data)
        await fixed(api, permit["number"], "2027-09-01")
        numbers.append(permit["number"])
    draft = await create(api, permit_input(office=office))
    base = {"customsOfficeCode": office}
    everything = await api.data(LIST, {"f": base}, role="ANALYST")
    assert everything["permits"]["totalCount"] == 4
    in_force = await api.data(LIST, {"f": {**base, "status": ["IN_FORCE"]}}, role="ANALYST")
    assert in_force["permits"]["totalCount"] == 3
    by_code = await api.data(LIST, {"f": {**base, "hsCodePrefix": "11010015"}}, role="ANALYST")
    assert by_code["permits"]["totalCount"] == 3
    heading = await api.data(LIST, {"f": {**base, "hsCodePrefix": "2302"}}, role="ANALYST")
    assert heading["permits"]["totalCount"] == 4
    holder = await api.data(LIST, {"f": {**base, "holderInn": OTHER_INN}}, role="ANALYST")
    assert holder["permits"]["totalCount"] == 0
    soon = await api.data(
        LIST, {"f": {**base, "termEndsBefore": "2027-11-02"}, "o": {"field": "TERM_END",
               "direction": "ASC"}}, role="ANALYST",
    )  # fmt: skip
    assert [e["node"]["number"] for e in soon["permits"]["edges"]] == [numbers[1], numbers[2]]
    pages: list[str] = []
    after = None
    while True:
        page = await api.data(
            LIST,
            {"f": base, "o": {"field": "TERM_END", "direction": "ASC"}, "first": 2, "after": after},
            role="ANALYST",
        )
        pages += [e["node"]["number"] for e in page["permits"]["edges"]]
        if not page["permits"]["pageInfo"]["hasNextPage"]:
            break
        after = page["permits"]["pageInfo"]["endCursor"]
    assert pages == [numbers[1], numbers[2], numbers[0]]  # the draft has no term end
    assert draft["permit"]["number"] is None


async def test_analysts_counts_by_office_and_status_and_table3_utilisation(
    api: Api,
) -> None:
    """Analysts: permits per customs and status; table 3 quantities against accounted
    (zero until placements against permits exist)."""
    office = await new_office(api, name="Таможня для аналитики")
    await issued(api, permit_input(office=office))
    await issued(api, permit_input(office=office))
    await create(api, permit_input(office=office))
    query = """query($f: PermitFilter) {
      permitsByOfficeAndStatus(filter: $f) { customsOfficeCode customsOfficeName status count }
      permitTable3Utilisation(filter: $f) {
        hsCode unit unitName permits rows quantity accounted available utilisationPercent } }"""
    data = await api.data(query, {"f": {"customsOfficeCode": office}}, role="ANALYST")
    assert data["permitsByOfficeAndStatus"] == [
        {"customsOfficeCode": office, "customsOfficeName": "Таможня для аналитики",
         "status": "PREPARED", "count": 1},
        {"customsOfficeCode": office, "customsOfficeName": "Таможня для аналитики",
         "status": "IN_FORCE", "count": 2},
    ]  # fmt: skip
    assert data["permitTable3Utilisation"] == [
        {"hsCode": "1001990000", "unit": "166", "unitName": "кг", "permits": 3, "rows": 3,
         "quantity": "3000", "accounted": "0", "available": "3000", "utilisationPercent": "0"},
    ]  # fmt: skip
    forbidden = await api.gql(query, {"f": None}, role="DECLARANT")
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- customs offices reference data -------------------------------------------------------


async def test_customs_offices_reference_data(api: Api, database: Database) -> None:
    """Permit rules p.1: the reference data (samples loaded by the migration) names each
    customs' regional administration or says it reports to the FTS; officers edit it."""
    offices = await api.data("{ customsOffices(kind: CUSTOMS) { code sample } }", role="ANALYST")
    assert {"code": "10216000", "sample": True} in offices["customsOffices"]
    bad = {"code": "10299000", "name": "", "kind": "CUSTOMS", "timeZone": "Mars/Olympus"}
    before = await snapshot(database)
    payload = await op(api, SAVE_OFFICE, "saveCustomsOffice", bad)
    assert payload["customsOffice"] is None
    assert error_codes(payload) == [
        ("REQUIRED", ["input", "name"]),
        ("INVALID_TIME_ZONE", ["input", "timeZone"]),
        ("PARENT_OR_FTS", ["input", "parentCode"]),
    ]
    wrong_parent = {"code": "10299000", "name": "Т", "kind": "CUSTOMS", "parentCode": "10216000"}
    payload = await op(api, SAVE_OFFICE, "saveCustomsOffice", wrong_parent)
    assert error_codes(payload) == [("INVALID_PARENT", ["input", "parentCode"])]
    assert await snapshot(database) == before
    code = await new_office(api)
    renamed = await op(
        api, SAVE_OFFICE, "saveCustomsOffice",
        {"code": code, "name": "Новое имя", "kind": "CUSTOMS", "reportsToFts": True},
    )  # fmt: skip
    assert renamed["customsOffice"]["version"] == 2
    assert renamed["customsOffice"]["parentCode"] is None
    permit = await issued(api, permit_input(office=code))
    assert permit["header"]["customsOfficeName"] == "Новое имя"
    assert permit["header"]["reportsToFts"] is True


# --- size ---------------------------------------------------------------------------------


async def test_thousand_rows_in_table3_issued_and_read_back_in_one_query(
    api: Api, clock: FixedClock
) -> None:
    """A permit with 1,000 rows in table 3 is issued and read back in full through one
    query (the time is printed for the record)."""
    clock.set(moscow("2027-10-01T10:00:00"))
    data = permit_input()
    data["table3"] = [
        row(f"Зерно партия {n}", f"1001{n % 1000:06d}", "10", number=n) for n in range(1, 1001)
    ]
    data["table5"][0]["quantity"] = "10"
    data["table6"] = []
    data["table8"] = []
    data["wasteProcedure"] = {"informationLater": True}
    data["yieldNorms"] = [norm("PRODUCTS", "100", source=n) for n in range(1, 1001)]
    started = time.perf_counter()
    permit = await issued(api, data)
    issued_in = time.perf_counter() - started
    started = time.perf_counter()
    body = await api.data(PERMIT, {"number": permit["number"]}, role="ANALYST")
    read_in = time.perf_counter() - started
    read = body["permit"]
    assert len(read["table3"]) == 1000
    assert read["table3"][999] == {**read["table3"][999], "number": 1000, "quantity": "10"}
    assert len(read["yieldNorms"]) == 1000
    assert read["warnings"] == []
    assert len(read["hsCodes"]) == 1001
    print(
        f"\n1,000-row permit: created+issued {issued_in:.2f} s, "
        f"read back in one query {read_in:.2f} s"
    )


def test_every_form_rule_has_a_code_in_the_issue_and_amend_enums() -> None:
    """Permit rules p.1-p.9: every code the form's rules can return is a value of the
    issuePermit and amendPermit error enums (an unknown code would fail the request)."""
    sources = "".join(inspect.getsource(m) for m in (validation, terms, numbers))
    found = set(re.findall(r'Problem\(\s*"([A-Z_]+)"', sources))
    found |= set(re.findall(r'^\s+"([A-Z][A-Z_]{3,})",\s*$', sources, re.M))
    warnings = {"YIELD_QUANTITY_MISMATCH", "YIELD_UNITS_INCOMPARABLE", "YIELD_PERCENT_BALANCE",
                "YIELD_SOURCE_UNUSED"}  # fmt: skip
    assert len(found) > 30
    for codes in (IssuePermitErrorCode, AmendPermitErrorCode):
        assert found - warnings - set(codes.__members__) == set()


@pytest.mark.parametrize(
    ("filter_", "order"),
    [
        (None, "CREATED_AT"),
        (None, "ISSUED_AT"),
        (None, "TERM_END"),
        ({"status": ["IN_FORCE", "EXPIRED"]}, "CREATED_AT"),
        ({"customsOfficeCode": "10216000"}, "CREATED_AT"),
        ({"holderInn": HOLDER_INN}, "CREATED_AT"),
        ({"hsCodePrefix": "1001"}, "CREATED_AT"),
        ({"termEndsBefore": "2028-01-01"}, "TERM_END"),
    ],
)
async def test_permit_list_queries_are_served_by_indexes(
    database: Database, filter_: dict[str, Any] | None, order: str
) -> None:
    """Migration 0003: an index serves each filter and order of the permits list (the
    filters stay flat and use ranges, which SecantusDB's planner needs)."""
    converted = None
    if filter_ is not None:
        converted = PermitFilter(
            status=[PermitStatus[s] for s in filter_.get("status", [])] or None,
            customs_office_code=CustomsOfficeCode(filter_["customsOfficeCode"])
            if "customsOfficeCode" in filter_
            else None,
            holder_inn=Inn(filter_["holderInn"]) if "holderInn" in filter_ else None,
            hs_code_prefix=filter_.get("hsCodePrefix"),
            term_ends_before=date.fromisoformat(filter_["termEndsBefore"])
            if "termEndsBefore" in filter_
            else None,
        )
    field = PermitOrderField[order]
    query = permit_query(converted, Principal("k", "analyst", Role.ANALYST), field)
    sort = {_ORDER_FIELDS[field]: -1, "_id": -1}
    explained = await database.db.command(
        "explain", {"find": "permits", "filter": query, "sort": sort}
    )
    assert "COLLSCAN" not in str(explained["queryPlanner"]["winningPlan"]), query
