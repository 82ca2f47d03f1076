"""Analytics: licence utilisation and refusals by ground, with exact figures.

The session's database is shared with other tests, so every case works on licences of
a holder of its own (a fresh valid INN) and on refusals in a day of its own."""

from __future__ import annotations

import random
from typing import Any

import pytest

from domain.codes import check_inn
from tests.support.api import Api
from tests.support.declarations import (
    ACCOUNT,
    CONTROL,
    REFUSE,
    RELEASE,
    declaration_input,
    item,
    new_license,
    op,
    register,
)
from tests.support.licenses import AMEND, STATUS, unique

UTILISATION = """
query($by: UtilisationGroupBy!, $len: Int, $filter: LicenseFilter) {
  licenseUtilisation(groupBy: $by, hsPrefixLength: $len, filter: $filter) {
    key unit licenses lines quantityLimit accounted released available excess utilisation
  }
}"""

REFUSALS = """query($from: DateTime!, $to: DateTime!) {
  refusalsByGround(from: $from, to: $to) { ground declarations }
}"""

COPPER = {"name": "Медная проволока", "hsCode": "7408110000", "unit": "166"}


def new_inn() -> str:
    """A valid 10-digit INN no other test uses."""
    while True:
        stem = "".join(random.choices("0123456789", k=9))
        for last in "0123456789":
            if not check_inn(stem + last):
                return stem + last


def holder(inn: str) -> dict[str, str]:
    return {"inn": inn, "name": "ООО «Аналитика»"}


def lines_of(*specs: tuple[str, str, str, str]) -> list[dict[str, Any]]:
    """Licence lines from (name, hsCode, unit, quantityLimit)."""
    return [
        {"lineNo": n, "name": name, "hsCode": code, "unit": unit, "quantityLimit": limit}
        for n, (name, code, unit, limit) in enumerate(specs, start=1)
    ]


TRANSFORMERS = "Трансформаторы силовые"
WIRE = "Медная проволока"


async def declare(api: Api, inn: str, items: list[dict[str, Any]]) -> str:
    """Registered and controlled by an officer; the declaration's number."""
    registered = await register(api, declaration_input(items, declarantInn=inn), role="OFFICER")
    assert registered["userErrors"] == [], registered
    number: str = registered["declaration"]["number"]
    assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
    return number


async def account(api: Api, inn: str, items: list[dict[str, Any]], *, release: bool) -> None:
    number = await declare(api, inn, items)
    result = await op(api, ACCOUNT, {"number": number})
    assert result["userErrors"] == [], result
    if release:
        assert (await op(api, RELEASE, {"number": number}))["userErrors"] == []


@pytest.fixture
async def portfolio(api: Api) -> dict[str, str]:
    """Three licences of one holder, accounted and released as follows:

    A (EXPORT)  1: 8504210000 796 limit 100, accounted 40, released 40
                2: 7408       166 limit 1500.125, accounted 10.125, released 10.125
    B (EXPORT)  1: 850421     796 limit 30 -> amended to 5 after 7 accounted (excess 2)
                2: 7408       166 limit 200.5
    C (IMPORT)  1: 8504210000 796 limit 10, suspended
    """
    inn = new_inn()
    a = await new_license(
        api,
        holder=holder(inn),
        lines=lines_of(
            (TRANSFORMERS, "8504210000", "796", "100"), (WIRE, "7408", "166", "1500.125")
        ),
    )
    b = await new_license(
        api,
        holder=holder(inn),
        lines=lines_of((TRANSFORMERS, "850421", "796", "30"), (WIRE, "7408", "166", "200.5")),
    )
    c = await new_license(
        api,
        holder=holder(inn),
        direction="IMPORT",
        lines=lines_of((TRANSFORMERS, "8504210000", "796", "10")),
    )
    await account(
        api,
        inn,
        [
            item(a, 1, "40", value=None, currency=None),
            item(a, 2, "10.125", itemNo=2, **COPPER),
        ],
        release=True,
    )
    await account(api, inn, [item(b, 1, "7", value=None, currency=None)], release=False)
    amended = await api.data(
        AMEND,
        {
            "input": {
                "messageId": unique("msg"),
                "number": b,
                "lines": lines_of((TRANSFORMERS, "850421", "796", "5")),
            }
        },
    )
    assert amended["amendLicense"]["userErrors"] == [], amended
    suspended = await api.data(
        STATUS % "suspendLicense",
        {"input": {"messageId": unique("msg"), "number": c, "reason": "test"}},
    )
    assert suspended["suspendLicense"]["userErrors"] == []
    return {"inn": inn, "A": a, "B": b, "C": c}


async def utilisation(api: Api, by: str, role: str = "ANALYST", **args: Any) -> list[Any]:
    body = await api.data(UTILISATION, {"by": by, **args}, role=role)
    rows: list[Any] = body["licenseUtilisation"]
    return rows


def row(key: str, unit: str, *figures: Any) -> dict[str, Any]:
    names = ("licenses", "lines", "quantityLimit", "accounted", "released", "available",
             "excess", "utilisation")  # fmt: skip
    return {"key": key, "unit": unit, **dict(zip(names, figures, strict=True))}


async def test_utilisation_by_hs_code_prefix(api: Api, portfolio: dict[str, str]) -> None:
    """Export lines of the holder per 4-digit HS prefix; units never mixed."""
    rows = await utilisation(
        api,
        "HS_CODE_PREFIX",
        filter={"holderInn": portfolio["inn"], "direction": "EXPORT"},
    )
    assert rows == [
        # 10.125 / 1700.625 = 0.005953... -> 0.0060
        row("7408", "166", 2, 2, "1700.625", "10.125", "10.125", "1690.5", "0", "0.006"),
        # 47 / 105 = 0.447619... -> 0.4476; B line 1 is 2 over its amended limit of 5
        row("8504", "796", 2, 2, "105", "47", "40", "60", "2", "0.4476"),
    ]


async def test_utilisation_by_license(api: Api, portfolio: dict[str, str]) -> None:
    rows = await utilisation(api, "LICENSE", role="OFFICER", filter={"holderInn": portfolio["inn"]})
    a, b, c = portfolio["A"], portfolio["B"], portfolio["C"]
    expected = [
        row(a, "166", 1, 1, "1500.125", "10.125", "10.125", "1490", "0", "0.0067"),
        row(a, "796", 1, 1, "100", "40", "40", "60", "0", "0.4"),
        row(b, "166", 1, 1, "200.5", "0", "0", "200.5", "0", "0"),
        row(b, "796", 1, 1, "5", "7", "0", "0", "2", "1.4"),
        row(c, "796", 1, 1, "10", "0", "0", "10", "0", "0"),
    ]
    assert rows == sorted(expected, key=lambda r: (r["key"], r["unit"]))


async def test_utilisation_by_holder_and_filters(api: Api, portfolio: dict[str, str]) -> None:
    inn = portfolio["inn"]
    assert await utilisation(api, "HOLDER", filter={"holderInn": inn}) == [
        row(inn, "166", 2, 2, "1700.625", "10.125", "10.125", "1690.5", "0", "0.006"),
        # 47 / 115 = 0.408695... -> 0.4087
        row(inn, "796", 3, 3, "115", "47", "40", "70", "2", "0.4087"),
    ]
    # Status filter (the suspended import licence only) and a 6-digit prefix.
    assert await utilisation(
        api, "HS_CODE_PREFIX", len=6, filter={"holderInn": inn, "status": ["SUSPENDED"]}
    ) == [row("850421", "796", 1, 1, "10", "0", "0", "10", "0", "0")]
    # hsCodePrefix limits the lines counted, not only the licences; a code shorter than
    # the prefix length is its own group.
    assert await utilisation(
        api,
        "HS_CODE_PREFIX",
        len=8,
        filter={"holderInn": inn, "hsCodePrefix": "7408"},
    ) == [row("7408", "166", 2, 2, "1700.625", "10.125", "10.125", "1690.5", "0", "0.006")]


async def test_utilisation_arguments_and_roles(api: Api) -> None:
    body = await api.gql(UTILISATION, {"by": "HS_CODE_PREFIX", "len": 1}, role="ANALYST")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    assert body["errors"][0]["message"] == "hsPrefixLength must be 2 to 10, got 1"
    for role in ("DECLARANT", "INTEGRATOR"):
        body = await api.gql(UTILISATION, {"by": "LICENSE"}, role=role)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        body = await api.gql(
            REFUSALS,
            {"from": "2027-01-01T00:00:00+00:00", "to": "2027-02-01T00:00:00+00:00"},
            role=role,
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- refusals by ground ----------------------------------------------------------------


async def refuse_at(api: Api, moment: str, inn: str, license: str, quantity: str,
                    grounds: list[str]) -> None:  # fmt: skip
    api.headers["x-customs-now"] = moment
    number = await declare(api, inn, [item(license, 1, quantity, value=None, currency=None)])
    refused = await op(
        api, REFUSE, {"number": number, "grounds": grounds, "reason": "Order 1907 p.9"}
    )
    assert refused["userErrors"] == [], refused


async def test_refusals_by_ground(api: Api) -> None:
    """Order 1907 p.9 grounds counted per declaration refused in [from, to)."""
    inn = new_inn()
    lines = lines_of((TRANSFORMERS, "8504210000", "796", "100"))
    suspended = await new_license(api, holder=holder(inn), lines=lines)
    terminated = await new_license(api, holder=holder(inn), lines=lines)
    in_force = await new_license(api, holder=holder(inn), lines=lines)
    for mutation, number in (("suspendLicense", suspended), ("terminateLicense", terminated)):
        body = await api.data(
            STATUS % mutation,
            {"input": {"messageId": unique("msg"), "number": number, "reason": "test"}},
        )
        assert body[mutation]["userErrors"] == []

    day = "2027-10-15"
    await refuse_at(api, f"{day}T00:00:00+00:00", inn, suspended, "1", ["SUSPENSION"])
    await refuse_at(
        api, f"{day}T10:00:00+03:00", inn, suspended, "150", ["SUSPENSION", "EXHAUSTION"]
    )
    await refuse_at(api, f"{day}T12:00:00+00:00", inn, in_force, "150", ["EXHAUSTION"])
    await refuse_at(api, f"{day}T23:59:59+00:00", inn, terminated, "1", ["TERMINATION"])
    await refuse_at(api, "2027-10-16T00:00:00+00:00", inn, in_force, "101", ["EXHAUSTION"])
    await refuse_at(api, "2027-10-14T22:00:00+00:00", inn, in_force, "120", ["EXHAUSTION"])

    body = await api.data(
        REFUSALS,
        {"from": f"{day}T00:00:00+00:00", "to": "2027-10-16T00:00:00+00:00"},
        role="ANALYST",
    )
    assert body["refusalsByGround"] == [
        {"ground": "EXHAUSTION", "declarations": 2},
        {"ground": "SUSPENSION", "declarations": 2},
        {"ground": "TERMINATION", "declarations": 1},
    ]
    # Offsets are moments: the same day in Moscow time starts three hours earlier.
    body = await api.data(
        REFUSALS,
        {"from": f"{day}T00:00:00+03:00", "to": "2027-10-16T00:00:00+03:00"},
        role="OFFICER",
    )
    assert body["refusalsByGround"] == [
        {"ground": "EXHAUSTION", "declarations": 3},
        {"ground": "SUSPENSION", "declarations": 2},
    ]
    body = await api.gql(
        REFUSALS, {"from": f"{day}T00:00:00Z", "to": f"{day}T00:00:00Z"}, role="ANALYST"
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
