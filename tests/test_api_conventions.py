"""Conventions every feature relies on: typed refusals of bad input that change
nothing, authentication and roles, the request clock, limits, masking, health."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import GraphQLError

from api.app import create_app
from api.db import Database
from api.settings import Settings
from schema.errors import Forbidden, should_mask
from schema.scalars import ScalarInputError
from tests.support.api import Api
from tests.support.licenses import REGISTER, license_input, unique
from tests.test_license_registry import snapshot


async def refused(api: Api, database: Database, data: dict[str, Any]) -> dict[str, Any]:
    """Send a registration that must be refused; check that nothing changed."""
    before = await snapshot(database)
    body = await api.gql(REGISTER, {"input": data})
    assert await snapshot(database) == before
    return body


def user_error_codes(body: dict[str, Any]) -> list[tuple[str, list[str]]]:
    payload = body["data"]["registerLicense"]
    assert payload["license"] is None
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def graphql_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None
    assert len(body["errors"]) >= 1
    error: dict[str, Any] = body["errors"][0]
    return error


# --- bad input: each refused with a typed error, the database unchanged -----------


@pytest.mark.parametrize("hs_code", ["84A4210000", "850", "85042100001", 8504210000])
async def test_invalid_hs_code(api: Api, database: Database, hs_code: Any) -> None:
    data = license_input()
    data["lines"][0]["hsCode"] = hs_code
    error = graphql_error(await refused(api, database, data))
    assert error["extensions"]["code"] == "INVALID_SCALAR"
    assert "hsCode" in error["message"]


async def test_unknown_unit(api: Api, database: Database) -> None:
    data = license_input()
    data["lines"][1]["unit"] = "999"
    codes = user_error_codes(await refused(api, database, data))
    assert codes == [("UNKNOWN_UNIT", ["input", "lines", "1", "unit"])]


@pytest.mark.parametrize("quantity", ["0", "-5", "0.000"])
async def test_zero_or_negative_quantity(api: Api, database: Database, quantity: str) -> None:
    data = license_input()
    data["lines"][0]["quantityLimit"] = quantity
    codes = user_error_codes(await refused(api, database, data))
    assert codes == [("QUANTITY_NOT_POSITIVE", ["input", "lines", "0", "quantityLimit"])]


async def test_too_many_decimals(api: Api, database: Database) -> None:
    data = license_input()
    data["lines"][0]["quantityLimit"] = "1.1234567"
    data["lines"][0]["valueLimit"] = "10.001"
    codes = user_error_codes(await refused(api, database, data))
    assert codes == [
        ("TOO_MANY_DECIMALS", ["input", "lines", "0", "quantityLimit"]),
        ("TOO_MANY_DECIMALS", ["input", "lines", "0", "valueLimit"]),
    ]


@pytest.mark.parametrize("number", [100, 100.5, 1e2])
async def test_quantity_sent_as_json_number(api: Api, database: Database, number: Any) -> None:
    data = license_input()
    data["lines"][0]["quantityLimit"] = number
    error = graphql_error(await refused(api, database, data))
    assert error["extensions"]["code"] == "INVALID_SCALAR"
    assert "must be sent as a string" in error["message"]


async def test_quantity_as_literal_number_in_document(api: Api, database: Database) -> None:
    """A number written into the query text itself is refused the same way."""
    before = await snapshot(database)
    query = """mutation { registerLicense(input: {messageId: "x", number: "y", type: ONE_TIME,
      direction: EXPORT, issuingAuthority: "a", holder: {inn: "7707083893", name: "n"},
      validFrom: "2027-01-01", validTo: "2027-02-01", lines: [{lineNo: 1, name: "n",
      hsCode: "8504", unit: "796", quantityLimit: 5}]}) { license { id } } }"""
    body = (await api.post(query)).json()
    assert body["errors"][0]["message"]
    assert "Decimal" in body["errors"][0]["message"]
    assert await snapshot(database) == before


@pytest.mark.parametrize("text", ["1e3", "NaN", "+1", "01.5", "1.", " 1"])
async def test_decimal_must_be_plain(api: Api, database: Database, text: str) -> None:
    data = license_input()
    data["lines"][0]["quantityLimit"] = text
    error = graphql_error(await refused(api, database, data))
    assert error["extensions"]["code"] == "INVALID_SCALAR"


async def test_validity_ending_before_it_starts(api: Api, database: Database) -> None:
    data = license_input(validFrom="2027-05-01", validTo="2027-04-30")
    codes = user_error_codes(await refused(api, database, data))
    assert codes == [("INVALID_VALIDITY", ["input", "validTo"])]


async def test_invalid_inn_check_digit(api: Api, database: Database) -> None:
    data = license_input()
    data["holder"]["inn"] = "7707083894"
    error = graphql_error(await refused(api, database, data))
    assert "check digit" in error["message"]


async def test_several_problems_reported_together(api: Api, database: Database) -> None:
    data = license_input(validFrom="2027-05-01", validTo="2027-01-01")
    data["lines"][0]["unit"] = "000"
    data["lines"][1]["lineNo"] = 1
    codes = {code for code, _ in user_error_codes(await refused(api, database, data))}
    assert codes == {"UNKNOWN_UNIT", "DUPLICATE_LINE_NUMBER", "INVALID_VALIDITY"}


async def test_malformed_id(api: Api) -> None:
    for bad in ["not-an-id", "TGljZW5zZTp4eXo=", ""]:  # the 2nd is base64 of "License:xyz"
        body = await api.gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": bad}, role="ANALYST"
        )
        assert body["data"] == {"node": None}
        assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"
        assert body["errors"][0]["path"] == ["node"]


async def test_unknown_license(api: Api, database: Database) -> None:
    before = await snapshot(database)
    body = await api.data(
        """mutation($input: LicenseStatusMessageInput!) { suspendLicense(input: $input) {
            license { id } userErrors { code field } } }""",
        {"input": {"messageId": unique("m"), "number": "NO-SUCH-LICENCE", "reason": "x"}},
    )
    assert body["suspendLicense"] == {
        "license": None,
        "userErrors": [{"code": "LICENSE_NOT_FOUND", "field": ["input", "number"]}],
    }
    assert await snapshot(database) == before
    read = await api.data('{ license(number: "NO-SUCH-LICENCE") { id } }', role="ANALYST")
    assert read == {"license": None}


# --- authentication and roles --------------------------------------------------------


async def test_missing_key_gets_401(api: Api, database: Database) -> None:
    before = await snapshot(database)
    for headers in ({}, {"x-api-key": "ck_nope_nope"}, {"x-api-key": "garbage"}):
        response = await api.http.post(
            "/graphql",
            json={"query": REGISTER, "variables": {"input": license_input()}},
            headers=headers,
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await snapshot(database) == before


@pytest.mark.parametrize("role", ["OFFICER", "ANALYST", "DECLARANT"])
async def test_wrong_role_gets_forbidden_and_no_data(
    api: Api, database: Database, role: str
) -> None:
    before = await snapshot(database)
    body = await api.gql(REGISTER, {"input": license_input()}, role=role)
    error = graphql_error(body)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"] == ["registerLicense"]
    assert await snapshot(database) == before


async def test_health_endpoints_need_no_key(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_request_id_is_returned(api: Api) -> None:
    response = await api.http.get("/healthz", headers={"x-request-id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = await api.http.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


# --- the clock -------------------------------------------------------------------------


async def test_clock_header_sets_the_moment_of_a_request(api: Api) -> None:
    api.headers["x-customs-now"] = "2030-06-15T12:00:00+03:00"
    payload = (await api.data(REGISTER, {"input": license_input()}))["registerLicense"]
    query = "query($n: String!) { license(number: $n) { registeredAt } }"
    lic = (await api.data(query, {"n": payload["license"]["number"]}))["license"]
    assert lic["registeredAt"] == "2030-06-15T09:00:00+00:00"


async def test_clock_header_refused_when_setting_off(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    off = settings.model_copy(update={"allow_clock_header": False})
    app = create_app(off, database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"x-api-key": keys["ANALYST"], "x-customs-now": "2030-01-01T00:00:00+00:00"},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "CLOCK_OVERRIDE_DISABLED"


async def test_clock_header_must_have_an_offset(api: Api) -> None:
    api.headers["x-customs-now"] = "2030-06-15T12:00:00"
    response = await api.post("{ __typename }")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_CLOCK_HEADER"


# --- limits and masking ------------------------------------------------------------------


async def test_depth_limit(settings: Settings, database: Database, keys: dict[str, str]) -> None:
    shallow = settings.model_copy(update={"max_query_depth": 4})
    app = create_app(shallow, database=database)
    query = "query Deep { licenses { edges { node { history { sentBy { name } } } } } }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post(
            "/graphql", json={"query": query}, headers={"x-api-key": keys["ANALYST"]}
        )
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_alias_limit(api: Api) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(31))
    body = await api.gql("{ " + aliases + " }", role="ANALYST")
    assert "aliases" in body["errors"][0]["message"]


async def test_pagination_cap(api: Api) -> None:
    body = await api.gql("{ licenses(first: 101) { totalCount } }", role="ANALYST")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


async def test_validation_errors_stay_readable(api: Api) -> None:
    body = await api.gql("{ licenses { nope } }", role="ANALYST")
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]


def test_internal_errors_are_masked_and_public_ones_kept() -> None:
    """MaskErrors predicate: an unexpected exception is hidden ('Unexpected error.'),
    our typed errors, scalar errors and GraphQL's own validation errors are shown."""
    assert should_mask(GraphQLError("boom", original_error=RuntimeError("db password")))
    assert not should_mask(GraphQLError("x", original_error=Forbidden("no")))
    assert not should_mask(GraphQLError("x", original_error=ScalarInputError("bad")))
    assert not should_mask(GraphQLError("Cannot query field"))
