"""Every input accepted or refused with a typed answer (issue 9, "Safe at the edge").

Bounds (:mod:`domain.limits`): every list of every input and every string has one; a
value over it is refused with ``TOO_MANY_ITEMS`` or ``TOO_LONG`` and the path of its
field, before any per-element work, and changes nothing.  Numbers and codes take ASCII
digits only; dates lie within 1991-01-01 .. 2100-12-31; text that cannot be encoded is
``INVALID_TEXT``; what the collections' validators enforce is checked first, and a write
they refuse anyway is ``INVALID_DOCUMENT``, never a masked error with the document in
the log.

Each case asserts the exact code and field path and that no collection changed.  The
cases that took minutes before (a licence of 10,000 lines, a permit of 10,000 table 3
rows) print their time.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from bson import ObjectId
from graphql import GraphQLInputObjectType, GraphQLList, get_named_type, get_nullable_type
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, WriteError

from api.db import Database
from domain.access import Principal, Role
from domain.declarations import DeclarationData, DeclarationKind, Direction, ItemData
from domain.licenses import LineData, Party, Registration, check_lines
from domain.limits import (
    MAX_DECLARATION_ITEMS,
    MAX_DOCUMENT_AMENDMENTS,
    MAX_IDENTIFICATION_METHODS,
    MAX_KEY_LENGTH,
    MAX_LICENSE_LINES,
    MAX_NAME_LENGTH,
    MAX_NUMBER_LENGTH,
    MAX_OTHER_QUANTITIES,
    MAX_PERMIT_TEXT_BYTES,
    MAX_PROCESSING_ORGANISATIONS,
    MAX_REASON_LENGTH,
    MAX_REFUSAL_GROUNDS,
    MAX_ROW_CUSTOMS_OFFICES,
    MAX_TABLE_ROWS,
    MAX_TEMPORARY_DECLARATIONS,
    MAX_TEXT_LENGTH,
    MAX_TRADE_DOCUMENTS,
    MAX_YIELD_NORMS,
    check_identifier,
    check_text,
)
from domain.permits.form import (
    Cost,
    CustomsOfficeRef,
    GoodsRow,
    Header,
    Holder,
    Identification,
    IdentificationMethod,
    NormKind,
    PermitForm,
    TableKind,
    Term,
    TradeDocument,
    WasteProcedure,
    YieldNorm,
)
from domain.permits.numbering import parse_permit_number
from domain.permits.validation import (
    check_form_bounds,
    check_placed_quantities,
    yield_balance_warnings,
)
from domain.problems import Problem, RuleViolation
from schema.input_bounds import BOUNDS, cut
from schema.root import build_schema
from schema.scalars import SCALARS, ScalarInputError
from schema.scalars import Decimal as DecimalString
from services.base import RequestScope
from services.declarations import Declarations
from services.licenses import LicenseFeed
from services.permits import Permits
from services.transactions import idempotent
from services.write_refusals import describe, validation_refusal
from tests.support.api import HOLDER_INN, START, Api
from tests.support.declarations import (
    CORRECT,
    EXTEND,
    OFFICE,
    REFUSE,
    REGISTER_DECLARATION,
    WITHDRAW,
    declaration_input,
    item,
    new_license,
    register,
)
from tests.support.licenses import AMEND, REGISTER, STATUS, license_input, unique
from tests.support.permits import AMEND as AMEND_PERMIT
from tests.support.permits import (
    CREATE,
    REVOKE,
    SAVE_OFFICE,
    TRANSFER,
    UPDATE,
    create,
    issued,
    key,
    permit_input,
)
from tests.support.permits import EXTEND as EXTEND_TERM
from tests.support.snapshots import EFFECTS

Body = dict[str, Any]
Codes = list[tuple[str, list[str]]]

# --- helpers ------------------------------------------------------------------------------


async def everything(database: Database) -> dict[str, list[Body]]:
    """Every document of every collection of the test database (of ``idempotency``, the
    records of successes: a refusal's record is the answer a resend replays, not an
    effect, see tests/support/snapshots.py)."""
    names = sorted(
        n for n in await database.db.list_collection_names() if not n.startswith("system.")
    )
    return {
        n: await database.db[n].find(EFFECTS.get(n, {})).sort("_id", 1).to_list() for n in names
    }


async def unchanged(
    database: Database, send: Callable[[], Awaitable[Body]], *, label: str = ""
) -> Body:
    """``send()``'s answer, asserting that nothing in the database changed; prints the
    time the request took when ``label`` is given."""
    before = await everything(database)
    started = time.perf_counter()
    body = await send()
    elapsed = time.perf_counter() - started
    if label:
        print(f"\n{label}: answered in {elapsed * 1000:.0f} ms")
    assert await everything(database) == before
    return body


async def post(api: Api, query: str, variables: Body, role: str) -> Body:
    """The JSON answer of a request (a refusal by a scalar may come with 400)."""
    response = await api.post(query, variables, role=role)
    assert response.status_code in (200, 400), response.text
    assert response.headers["content-type"].startswith("application/")
    body: Body = response.json()
    return body


def user_errors(body: Body, field: str) -> Codes:
    assert "errors" not in body, body["errors"]
    payload = body["data"][field]
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def graphql_code(body: Body) -> str:
    """The code of a refused request's only error, which is typed and not masked."""
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["message"] != "Unexpected error."
    assert len(error["message"]) < 500, "a refusal never echoes a long value"
    code: str = error["extensions"]["code"]
    return code


async def mutation(
    api: Api, database: Database, document: str, field: str, input_: Body, role: str
) -> Codes:
    """The user errors of a mutation that must change nothing."""
    body = await unchanged(database, lambda: post(api, document, {"input": input_}, role))
    return user_errors(body, field)


async def scalar_refusal(
    api: Api, database: Database, document: str, input_: Body, role: str
) -> str:
    body = await unchanged(database, lambda: post(api, document, {"input": input_}, role))
    return graphql_code(body)


def lines(count: int) -> list[Body]:
    """``count`` minimal licence lines (a small body: the HTTP layer bounds its size)."""
    return [
        {"lineNo": n, "name": "x", "hsCode": "8504", "unit": "796", "quantityLimit": "1"}
        for n in range(1, count + 1)
    ]


def goods_rows(count: int) -> list[Body]:
    """``count`` minimal rows of a permit table (enough for a draft)."""
    return [
        {"number": n, "name": "x", "hsCode": "1001", "quantity": "1", "unit": "166"}
        for n in range(1, count + 1)
    ]


FULLWIDTH = "７７０７０８３８９３"  # HOLDER_INN in fullwidth digits
ARABIC_INDIC = "٧٧٠٧٠٨٣٨٩٣"  # and in Arabic-Indic digits


# --- the bounds themselves -----------------------------------------------------------------


def test_each_bound_is_named_and_far_above_a_real_document() -> None:
    assert MAX_LICENSE_LINES == 1_000
    assert MAX_DECLARATION_ITEMS == 999  # the declaration form numbers goods items to 999
    assert MAX_TABLE_ROWS == 1_000
    assert (MAX_NAME_LENGTH, MAX_NUMBER_LENGTH, MAX_REASON_LENGTH) == (1_000, 64, 2_000)
    assert MAX_KEY_LENGTH >= 64
    assert MAX_TEXT_LENGTH >= MAX_REASON_LENGTH


def test_a_list_at_its_bound_passes_and_one_more_is_refused() -> None:
    def line(n: int) -> LineData:
        return LineData(n, "x", "8504", "796", Decimal(1))

    assert check_lines([line(n) for n in range(1, MAX_LICENSE_LINES + 1)]) == []
    assert check_lines([line(n) for n in range(1, MAX_LICENSE_LINES + 2)]) == [
        Problem("TOO_MANY_ITEMS", "at most 1,000 licence lines are accepted", ("lines",))
    ]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("x" * MAX_NAME_LENGTH, None),
        ("x" * (MAX_NAME_LENGTH + 1), "TOO_LONG"),
        ("a\ud800b", "INVALID_TEXT"),
        ("a\x00b", "INVALID_TEXT"),
        ("строка\tс табуляцией\nи переводом строки", None),
    ],
)
def test_text_within_its_bound(value: str, code: str | None) -> None:
    found = check_text(value, MAX_NAME_LENGTH, ("name",))
    assert [p.code for p in found] == ([code] if code else [])
    assert all(p.field == ("name",) for p in found)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("RU-EX-2027-0001", None),
        ("ЛЭ-12/2027", None),
        ("RU-EX-２０２７-0001", "INVALID_TEXT"),
        ("RU-EX-٢٠٢٧-0001", "INVALID_TEXT"),
        ("RU-EX\n2027", "INVALID_TEXT"),
        ("x" * (MAX_NUMBER_LENGTH + 1), "TOO_LONG"),
    ],
)
def test_numbers_take_ascii_digits_only(value: str, code: str | None) -> None:
    found = check_identifier(value, MAX_NUMBER_LENGTH, ("number",))
    assert [p.code for p in found] == ([code] if code else [])


def test_a_negative_permit_quantity_is_refused_for_its_sign_before_what_was_accounted() -> None:
    rows = [GoodsRow("Пшеница", "1001990000", Decimal(-5), "166")]
    assert [(p.code, p.field) for p in check_placed_quantities(rows, [Decimal(10)])] == [
        ("QUANTITY_NOT_POSITIVE", ("table3", 0, "quantity"))
    ]
    rows = [GoodsRow("Пшеница", "1001990000", Decimal(5), "166")]
    assert [p.code for p in check_placed_quantities(rows, [Decimal(10)])] == [
        "QUANTITY_BELOW_ACCOUNTED"
    ]


# --- lists cut before they are read (schema/input_bounds.py) ---------------------------------


def _input_type(name: str) -> GraphQLInputObjectType:
    type_ = build_schema()._schema.get_type(name)
    assert isinstance(type_, GraphQLInputObjectType)
    return type_


def test_every_list_of_input_objects_has_the_bound_of_its_rule() -> None:
    schema = build_schema()._schema
    lists = {
        get_named_type(field.type).name
        for type_ in schema.type_map.values()
        if isinstance(type_, GraphQLInputObjectType)
        for field in type_.fields.values()
        if isinstance(get_nullable_type(field.type), GraphQLList)
        and isinstance(get_named_type(field.type), GraphQLInputObjectType)
    }
    assert lists == set(BOUNDS)


def test_a_list_over_its_bound_is_cut_to_its_bound_plus_one_before_it_is_read() -> None:
    register = _input_type("RegisterLicenseInput")
    value = {"number": "RU-1", "lines": [{"lineNo": n} for n in range(10_000)]}
    assert len(cut(value, register)["lines"]) == MAX_LICENSE_LINES + 1
    within = {"number": "RU-1", "lines": [{"lineNo": n} for n in range(MAX_LICENSE_LINES + 1)]}
    assert cut(within, register) == within
    form = _input_type("PermitFormInput")
    row = {"name": "x", "otherQuantities": [{"amount": "1"}] * 100}
    cut_row = {**row, "otherQuantities": [{"amount": "1"}] * (MAX_OTHER_QUANTITIES + 1)}
    assert cut({"table3": [row]}, form) == {"table3": [cut_row]}
    assert cut({"table3": row}, form) == {"table3": cut_row}  # one row for a list of one


# --- scalars --------------------------------------------------------------------------------


def _parse(python_type: object, value: Any) -> Any:
    return SCALARS[python_type].parse_value(value)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("python_type", "value", "code"),
    [
        (date, "1990-12-31", "INVALID_SCALAR"),
        (date, "0001-01-01", "INVALID_SCALAR"),
        (date, "9999-12-31", "INVALID_SCALAR"),
        (date, "2101-01-01", "INVALID_SCALAR"),
        (date, "２０２７-01-01", "INVALID_SCALAR"),
        (date, "2027-01-01\ud800", "INVALID_TEXT"),
        (date, "2" * 100_000, "INVALID_SCALAR"),
    ],
)
def test_scalars_refuse_with_a_typed_code(python_type: object, value: Any, code: str) -> None:
    with pytest.raises(ScalarInputError) as refused:
        _parse(python_type, value)
    assert refused.value.extensions == {"code": code}
    assert len(str(refused.value)) < 200


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("999999999999999.123456", True),
        ("-999999999999999", True),
        ("1000000000000000", False),  # 16 digits before the point
        ("1" + "0" * 64, False),
        ("١٠٠", False),
        ("1.5\n", False),
    ],
)
def test_a_decimal_has_at_most_15_digits_before_the_point(value: str, accepted: bool) -> None:
    """Beyond them a conversion of units and a comparison once overflowed the rules'
    precision (a masked error); no real quantity or amount comes near."""
    if accepted:
        assert _parse(DecimalString, value) == Decimal(value)
    else:
        with pytest.raises(ScalarInputError) as refused:
            _parse(DecimalString, value)
        assert refused.value.extensions == {"code": "INVALID_SCALAR"}


def test_yield_warnings_keep_their_precision_with_extreme_figures() -> None:
    """A product of two large figures rounded to 6 decimals needs more than the default
    28 digits: the warning is computed, never an error."""
    form = form_of(rows=1)
    big = Decimal("999999999999999")
    source = replace(form.table3[0], quantity=big)
    norms = (
        YieldNorm(1, TableKind.PRODUCTS, 1, NormKind.PERCENT, big),
        YieldNorm(1, TableKind.PRODUCTS, 1, NormKind.ABSOLUTE, big, None, "168", Decimal("1E-50")),
    )
    form = replace(form, table3=(source,), yield_norms=norms)
    codes = [w.code for w in yield_balance_warnings(form)]
    assert codes.count("YIELD_QUANTITY_MISMATCH") == 2


def test_a_permit_number_takes_ascii_digits() -> None:
    with pytest.raises(RuleViolation) as refused:
        parse_permit_number("10216000/010327/51/０００１")
    assert [p.code for p in refused.value.problems] == ["INVALID_PERMIT_NUMBER"]
    with pytest.raises(RuleViolation):
        parse_permit_number("10216000/010327/51/" + "1" * 5_000)  # once int() of 5,000 digits
    assert parse_permit_number("10216000/010327/51/0001").sequence == 1


def test_dates_at_the_bounds_pass() -> None:
    assert _parse(date, "1991-01-01") == date(1991, 1, 1)
    assert _parse(date, "2100-12-31") == date(2100, 12, 31)


async def test_dates_outside_the_bounds_are_refused(api: Api, database: Database) -> None:
    for valid_from, valid_to in (("0001-01-01", "2027-12-31"), ("2027-01-01", "9999-12-31")):
        data = license_input(validFrom=valid_from, validTo=valid_to)
        code = await scalar_refusal(api, database, REGISTER, data, "INTEGRATOR")
        assert code == "INVALID_SCALAR"
    data = license_input(validFrom="1991-01-01", validTo="2100-12-31")
    body = await post(api, REGISTER, {"input": data}, "INTEGRATOR")
    assert user_errors(body, "registerLicense") == []


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1990-12-31T23:00:00Z"]
)
async def test_moments_outside_the_bounds_are_refused(
    api: Api, database: Database, moment: str
) -> None:
    """Such a moment once overflowed when moved to UTC (a masked error)."""
    query = """query($from: DateTime) {
      declarations(first: 1, filter: { registeredFrom: $from }) { totalCount } }"""
    body = await unchanged(database, lambda: post(api, query, {"from": moment}, "OFFICER"))
    assert graphql_code(body) == "INVALID_SCALAR"


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("hsCode", "８５０４"),
        ("hsCode", "٨٥٠٤"),
        ("hsCode", "8" * 100_000),
        ("quantityLimit", "١٠٠"),
        ("quantityLimit", "1" + "0" * 64),
        ("quantityLimit", "0." + "0" * 10_000 + "1"),
    ],
)
async def test_codes_and_decimals_take_ascii_digits_only(
    api: Api, database: Database, where: str, value: str
) -> None:
    data = license_input()
    data["lines"][0][where] = value
    assert await scalar_refusal(api, database, REGISTER, data, "INTEGRATOR") == "INVALID_SCALAR"


@pytest.mark.parametrize("inn", [FULLWIDTH, ARABIC_INDIC])
async def test_an_inn_takes_ascii_digits_only(api: Api, database: Database, inn: str) -> None:
    data = license_input(holder={"inn": inn, "name": "ООО «Ромашка»"})
    assert await scalar_refusal(api, database, REGISTER, data, "INTEGRATOR") == "INVALID_SCALAR"


async def test_a_lone_surrogate_in_a_query_literal_is_refused(api: Api) -> None:
    """graphql-core refuses ``"\\ud800"`` in the document itself (the HTTP layer refuses
    it in the JSON body); the answer is typed JSON, never a masked error."""
    query = r'{ license(number: "\ud800") { number } }'
    body = await post(api, query, {}, "OFFICER")
    assert body.get("data") is None
    assert body["errors"][0]["message"] != "Unexpected error."


# --- licences -----------------------------------------------------------------------------


async def test_a_licence_of_10000_lines_is_refused_at_once(api: Api, database: Database) -> None:
    data = license_input(lines=lines(10_000))
    body = await unchanged(
        database,
        lambda: post(api, REGISTER, {"input": data}, "INTEGRATOR"),
        label="registerLicense with 10,000 lines (took 190-252 s before)",
    )
    assert user_errors(body, "registerLicense") == [("TOO_MANY_ITEMS", ["input", "lines"])]


async def test_a_licence_one_line_over_the_bound(api: Api, database: Database) -> None:
    data = license_input(lines=lines(MAX_LICENSE_LINES + 1))
    codes = await mutation(api, database, REGISTER, "registerLicense", data, "INTEGRATOR")
    assert codes == [("TOO_MANY_ITEMS", ["input", "lines"])]


async def test_an_amendment_over_the_bound(api: Api, database: Database) -> None:
    number = await new_license(api)
    data = {"messageId": unique("msg"), "number": number, "lines": lines(MAX_LICENSE_LINES + 1)}
    codes = await mutation(api, database, AMEND, "amendLicense", data, "INTEGRATOR")
    assert codes == [("TOO_MANY_ITEMS", ["input", "lines"])]


def _with(data: Body, path: tuple[str | int, ...], value: Any) -> Body:
    changed = copy.deepcopy(data)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("number",), "R" * 10_000, "TOO_LONG"),
        (("number",), "RU-EX-２０２７", "INVALID_TEXT"),
        (("messageId",), "m" * (MAX_KEY_LENGTH + 1), "TOO_LONG"),
        (("issuingAuthority",), "М" * (MAX_NAME_LENGTH + 1), "TOO_LONG"),
        (("holder", "name"), "Р" * 200_000, "TOO_LONG"),
        (("counterparty", "name"), "A" * (MAX_NAME_LENGTH + 1), "TOO_LONG"),
        (("counterparty", "country"), "DE\n", "INVALID_COUNTRY"),
        (("lines", 0, "name"), "Т" * (MAX_NAME_LENGTH + 1), "TOO_LONG"),
        (("lines", 0, "name"), "Трансформаторы\x07", "INVALID_TEXT"),
        (("lines", 0, "unit"), "７９６", "UNKNOWN_UNIT"),
        (("lines", 0, "currency"), "USD\n", "INVALID_CURRENCY"),
    ],
)
async def test_a_licence_string_over_its_bound_or_not_text(
    api: Api, database: Database, path: tuple[str | int, ...], value: str, code: str
) -> None:
    data = _with(license_input(), path, value)
    codes = await mutation(api, database, REGISTER, "registerLicense", data, "INTEGRATOR")
    assert codes == [(code, ["input", *map(str, path)])]


async def test_a_status_message_reason_over_its_bound(api: Api, database: Database) -> None:
    number = await new_license(api)
    data = {"messageId": unique("msg"), "number": number, "reason": "п" * (MAX_REASON_LENGTH + 1)}
    codes = await mutation(
        api, database, STATUS % "suspendLicense", "suspendLicense", data, "INTEGRATOR"
    )
    assert codes == [("TOO_LONG", ["input", "reason"])]


# --- declarations ---------------------------------------------------------------------------


def _items(license: str, count: int) -> list[Body]:
    """``count`` minimal items (a small body: the HTTP layer bounds its size)."""
    return [
        {
            "itemNo": n,
            "name": "x",
            "hsCode": "8504210000",
            "quantity": "1",
            "unit": "796",
            "licenseNumber": license,
            "lineNo": 2,
        }
        for n in range(1, count + 1)
    ]


async def test_a_declaration_over_its_item_bound(api: Api, database: Database) -> None:
    license = await new_license(api)
    data = declaration_input(_items(license, MAX_DECLARATION_ITEMS + 1))
    input_ = {"idempotencyKey": unique("k"), "declaration": data}
    codes = await mutation(
        api, database, REGISTER_DECLARATION, "registerDeclaration", input_, "DECLARANT"
    )
    assert codes == [("TOO_MANY_ITEMS", ["input", "items"])]


async def test_a_preview_over_its_item_bound(api: Api, database: Database) -> None:
    license = await new_license(api)
    query = """query($d: DeclarationInput!) {
      previewDeclaration(declaration: $d) { inputErrors { code field } } }"""
    data = declaration_input(_items(license, 5_000))
    body = await unchanged(
        database,
        lambda: post(api, query, {"d": data}, "DECLARANT"),
        label="previewDeclaration with 5,000 items",
    )
    assert body["data"]["previewDeclaration"]["inputErrors"] == [
        {"code": "TOO_MANY_ITEMS", "field": ["declaration", "items"]}
    ]


async def test_a_full_declaration_over_its_temporary_bound(api: Api, database: Database) -> None:
    license = await new_license(api)
    temporary = [declaration_input([])["number"] for _ in range(MAX_TEMPORARY_DECLARATIONS + 1)]
    data = declaration_input([item(license)], kind="FULL", temporaryDeclarations=temporary)
    input_ = {"idempotencyKey": unique("k"), "declaration": data}
    codes = await mutation(
        api, database, REGISTER_DECLARATION, "registerDeclaration", input_, "DECLARANT"
    )
    assert codes == [("TOO_MANY_ITEMS", ["input", "temporaryDeclarations"])]


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("number",), f"{OFFICE}/010327/000000１", "INVALID_DECLARATION_NUMBER"),
        (("number",), "1" * 10_000, "INVALID_DECLARATION_NUMBER"),
        (("procedure",), "١٠", "INVALID_PROCEDURE"),
        (("items", 0, "hsCode"), "８５０４２１００００", "INVALID_HS_CODE"),
        (("items", 0, "hsCode"), "8504210000\n", "INVALID_HS_CODE"),
        (("items", 0, "name"), "Т" * (MAX_NAME_LENGTH + 1), "TOO_LONG"),
        (("items", 0, "licenseNumber"), "L" * (MAX_NUMBER_LENGTH + 1), "TOO_LONG"),
        (("items", 0, "licenseNumber"), "RU-EX-２０２７", "INVALID_TEXT"),
        (("items", 0, "unit"), "７９６", "UNKNOWN_UNIT"),
    ],
)
async def test_a_declaration_value_refused_with_its_code(
    api: Api, database: Database, path: tuple[str | int, ...], value: str, code: str
) -> None:
    license = await new_license(api)
    data = _with(declaration_input([item(license)]), path, value)
    input_ = {"idempotencyKey": unique("k"), "declaration": data}
    codes = await mutation(
        api, database, REGISTER_DECLARATION, "registerDeclaration", input_, "DECLARANT"
    )
    assert codes == [(code, ["input", *map(str, path)])]


async def test_a_citation_of_a_permit_number_takes_ascii_digits(
    api: Api, database: Database
) -> None:
    cited = item("", permitNumber="10216000/010327/51/０００１", permitRow=1)
    data = declaration_input([cited], procedure="51")
    input_ = {"idempotencyKey": unique("k"), "declaration": data}
    codes = await mutation(
        api, database, REGISTER_DECLARATION, "registerDeclaration", input_, "DECLARANT"
    )
    assert codes == [("INVALID_TEXT", ["input", "items", "0", "permitNumber"])]


async def test_a_customs_office_code_takes_ascii_digits(api: Api, database: Database) -> None:
    license = await new_license(api)
    data = declaration_input([item(license)], customsOffice="１０７０２０３０")
    input_ = {"idempotencyKey": unique("k"), "declaration": data}
    code = await scalar_refusal(api, database, REGISTER_DECLARATION, input_, "DECLARANT")
    assert code == "INVALID_SCALAR"


async def test_an_idempotency_key_over_its_bound(api: Api, database: Database) -> None:
    license = await new_license(api)
    input_ = {
        "idempotencyKey": "k" * (MAX_KEY_LENGTH + 1),
        "declaration": declaration_input([item(license)]),
    }
    codes = await mutation(
        api, database, REGISTER_DECLARATION, "registerDeclaration", input_, "DECLARANT"
    )
    assert codes == [("TOO_LONG", ["input", "idempotencyKey"])]


async def _registered(api: Api) -> str:
    license = await new_license(api)
    data = declaration_input([item(license)])
    payload = await register(api, data)
    assert payload["userErrors"] == []
    number: str = data["number"]
    return number


async def test_operations_on_a_declaration_refuse_what_is_over_a_bound(
    api: Api, database: Database
) -> None:
    number = await _registered(api)
    long_reason = "п" * (MAX_REASON_LENGTH + 1)
    license = await new_license(api)
    cases: list[tuple[str, str, Body, Codes]] = [
        (
            REFUSE,
            "refuseRelease",
            {"grounds": ["EXHAUSTION"] * (MAX_REFUSAL_GROUNDS + 1), "reason": "r"},
            [("TOO_MANY_ITEMS", ["input", "grounds"])],
        ),
        (
            REFUSE,
            "refuseRelease",
            {"grounds": ["EXHAUSTION"], "reason": long_reason},
            [("TOO_LONG", ["input", "reason"])],
        ),
        (
            WITHDRAW,
            "withdrawDeclaration",
            {"reason": long_reason},
            [("TOO_LONG", ["input", "reason"])],
        ),
        (
            CORRECT,
            "correctDeclaration",
            {"items": _items(license, MAX_DECLARATION_ITEMS + 1), "reason": "r"},
            [("TOO_MANY_ITEMS", ["input", "items"])],
        ),
        (
            CORRECT,
            "correctDeclaration",
            {"items": [item(license)], "reason": long_reason},
            [("TOO_LONG", ["input", "reason"])],
        ),
        (
            EXTEND,
            "extendReleaseDeadline",
            {"hours": 8_761, "reason": "r"},
            [("INVALID_EXTENSION", ["input", "hours"])],
        ),
        (
            EXTEND,
            "extendReleaseDeadline",
            {"hours": 2, "reason": long_reason},
            [("TOO_LONG", ["input", "reason"])],
        ),
    ]
    for document, field, fields, expected in cases:
        input_ = {"idempotencyKey": unique("k"), "number": number, **fields}
        assert await mutation(api, database, document, field, input_, "OFFICER") == expected, field


# --- permits --------------------------------------------------------------------------------


async def test_a_permit_of_10000_table3_rows_is_refused_at_once(
    api: Api, database: Database
) -> None:
    data = permit_input()
    data["table3"] = goods_rows(10_000)
    body = await unchanged(
        database,
        lambda: post(api, CREATE, {"input": {"idempotencyKey": key(), "permit": data}}, "OFFICER"),
        label="createPermitDraft with 10,000 table 3 rows (took 39 s before)",
    )
    assert user_errors(body, "createPermitDraft") == [
        ("TOO_MANY_ITEMS", ["input", "permit", "table3"])
    ]


@pytest.mark.parametrize("table", ["table3", "table5", "table6", "table7", "table8", "table15_1"])
async def test_each_permit_table_over_its_bound(api: Api, database: Database, table: str) -> None:
    data = permit_input()
    data[table] = goods_rows(MAX_TABLE_ROWS + 1)
    input_ = {"idempotencyKey": key(), "permit": data}
    codes = await mutation(api, database, CREATE, "createPermitDraft", input_, "OFFICER")
    assert codes == [("TOO_MANY_ITEMS", ["input", "permit", table])]


def _norms(count: int) -> list[Body]:
    return [
        {"sourceRow": 1, "targetTable": "PRODUCTS", "targetRow": 1, "kind": "PERCENT", "value": "1"}
    ] * count


def _document(amendments: int = 0) -> Body:
    amendment = {"name": "Доп. соглашение", "number": "1", "date": "2027-02-01"}
    return {
        "name": "Контракт",
        "number": "12/27",
        "date": "2027-01-10",
        "amendments": [amendment] * amendments,
    }


_METHOD = {"method": "OTHER", "description": "d", "officerActions": "a"}
_ORGANISATION = {"name": "ООО «Мельница»", "address": "Санкт-Петербург"}
_OFFICE_REF = {"name": "Балтийская таможня", "code": "10216000"}


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("yieldNorms",), _norms(MAX_YIELD_NORMS + 1), ("yieldNorms",)),
        (("tradeDocuments",), [_document()] * (MAX_TRADE_DOCUMENTS + 1), ("tradeDocuments",)),
        (
            ("tradeDocuments",),
            [_document(MAX_DOCUMENT_AMENDMENTS + 1)],
            ("tradeDocuments", 0, "amendments"),
        ),
        (
            ("identification",),
            [_METHOD] * (MAX_IDENTIFICATION_METHODS + 1),
            ("identification",),
        ),
        (
            ("processingOrganisations",),
            [_ORGANISATION] * (MAX_PROCESSING_ORGANISATIONS + 1),
            ("processingOrganisations",),
        ),
        (
            ("table3", 0, "otherQuantities"),
            [{"amount": "1", "unitName": "мешок"}] * (MAX_OTHER_QUANTITIES + 1),
            ("table3", 0, "otherQuantities"),
        ),
        (
            ("table3", 0, "customsOffices"),
            [_OFFICE_REF] * (MAX_ROW_CUSTOMS_OFFICES + 1),
            ("table3", 0, "customsOffices"),
        ),
    ],
)
async def test_each_permit_list_over_its_bound(
    api: Api,
    database: Database,
    path: tuple[str | int, ...],
    value: Any,
    field: tuple[str | int, ...],
) -> None:
    input_ = {"idempotencyKey": key(), "permit": _with(permit_input(), path, value)}
    codes = await mutation(api, database, CREATE, "createPermitDraft", input_, "OFFICER")
    assert codes == [("TOO_MANY_ITEMS", ["input", "permit", *map(str, field)])]


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("holder", "name"), "М" * (MAX_NAME_LENGTH + 1), "TOO_LONG"),
        (("holder", "address"), "М" * 100_000, "TOO_LONG"),
        (("holder", "kpp"), "７８０１０１００１", "INVALID_TEXT"),
        (("tradeDocuments", 0, "number"), "1" * (MAX_NUMBER_LENGTH + 1), "TOO_LONG"),
        (("tradeDocuments", 0, "amendments", 0, "name"), "Д" * 1_001, "TOO_LONG"),
        (("table3", 0, "name"), "П" * (MAX_NAME_LENGTH + 1), "TOO_LONG"),
        (("table3", 0, "unit"), "abc", "UNKNOWN_UNIT"),
        (("table5", 0, "unit"), "７９６", "UNKNOWN_UNIT"),
        (("table3", 0, "number"), 0, "ROW_NUMBER_OUT_OF_SEQUENCE"),
        (("table3", 0, "customsOffices", 0, "name"), "Б" * 1_001, "TOO_LONG"),
        (("table3", 0, "cost", "currency"), "U" * 65, "TOO_LONG"),
        (("identification", 0, "description"), "о" * (MAX_TEXT_LENGTH + 1), "TOO_LONG"),
        (("wasteProcedure", "procedure"), "в" * (MAX_TEXT_LENGTH + 1), "TOO_LONG"),
        (("productionProcess",), "п\x00", "INVALID_TEXT"),
    ],
)
async def test_a_permit_draft_value_refused_with_its_code(
    api: Api, database: Database, path: tuple[str | int, ...], value: Any, code: str
) -> None:
    """A draft may be incomplete (``issueProblems``) but never unbounded, nor what the
    collection's validator refuses (a unit "abc" was a masked error with the document
    in the log)."""
    input_ = {"idempotencyKey": key(), "permit": _with(permit_input(), path, value)}
    codes = await mutation(api, database, CREATE, "createPermitDraft", input_, "OFFICER")
    assert codes == [(code, ["input", "permit", *map(str, path)])]


async def test_an_edit_of_a_draft_is_bounded_too(api: Api, database: Database) -> None:
    draft = await create(api)
    data = _with(permit_input(), ("table3", 0, "unit"), "abc")
    input_ = {"idempotencyKey": key(), "id": draft["permit"]["id"], "permit": data}
    codes = await mutation(api, database, UPDATE, "updatePermitDraft", input_, "OFFICER")
    assert codes == [("UNKNOWN_UNIT", ["input", "permit", "table3", "0", "unit"])]


async def test_operations_on_a_permit_refuse_what_is_over_a_bound(
    api: Api, database: Database
) -> None:
    number = (await issued(api))["number"]
    long_reason = "п" * (MAX_REASON_LENGTH + 1)
    long_number = "1" * (MAX_NUMBER_LENGTH + 1)
    negative = _with(permit_input(), ("table3", 0, "quantity"), "-5")
    too_many = _with(permit_input(), ("table3",), goods_rows(MAX_TABLE_ROWS + 1))
    holder = {"name": "М" * 1_001, "inn": "7736050003", "address": "Москва"}
    cases: list[tuple[str, str, Body, Codes]] = [
        (
            AMEND_PERMIT,
            "amendPermit",
            {"reason": "r", "permit": too_many},
            [("TOO_MANY_ITEMS", ["input", "permit", "table3"])],
        ),
        (
            AMEND_PERMIT,
            "amendPermit",
            {"reason": long_reason, "permit": permit_input()},
            [("TOO_LONG", ["input", "reason"])],
        ),
        (
            AMEND_PERMIT,
            "amendPermit",
            {"reason": "r", "permit": negative},
            [("QUANTITY_NOT_POSITIVE", ["input", "permit", "table3", "0", "quantity"])],
        ),
        (
            TRANSFER,
            "transferPermit",
            {"newHolder": holder, "decisionNumber": "1", "decisionDate": "2027-03-01"},
            [("TOO_LONG", ["input", "newHolder", "name"])],
        ),
        (
            TRANSFER,
            "transferPermit",
            {
                "newHolder": {**holder, "name": "ООО «Новый»"},
                "decisionNumber": long_number,
                "decisionDate": "2027-03-01",
            },
            [("TOO_LONG", ["input", "decisionNumber"])],
        ),
        (
            EXTEND_TERM,
            "extendPermitTerm",
            {"months": 1, "decisionNumber": long_number},
            [("TOO_LONG", ["input", "decisionNumber"])],
        ),
        (
            EXTEND_TERM,
            "extendPermitTerm",
            {"months": 1, "reason": long_reason},
            [("TOO_LONG", ["input", "reason"])],
        ),
        (REVOKE, "revokePermit", {"grounds": long_reason}, [("TOO_LONG", ["input", "grounds"])]),
    ]
    for document, field, fields, expected in cases:
        input_ = {"idempotencyKey": key(), "number": number, **fields}
        assert await mutation(api, database, document, field, input_, "OFFICER") == expected, field


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "Т" * (MAX_NAME_LENGTH + 1), "TOO_LONG"),
        ("timeZone", "Europe", "INVALID_TIME_ZONE"),
        ("timeZone", "E" * 300, "TOO_LONG"),
    ],
)
async def test_a_customs_office_value_refused_with_its_code(
    api: Api, database: Database, field: str, value: str, code: str
) -> None:
    """A time zone naming a folder ("Europe") was a masked error."""
    input_ = {
        "idempotencyKey": key("office"),
        "code": "10299999",
        "name": "Тестовая таможня",
        "kind": "CUSTOMS",
        "parentCode": "10200000",
        field: value,
    }
    codes = await mutation(api, database, SAVE_OFFICE, "saveCustomsOffice", input_, "OFFICER")
    assert codes == [(code, ["input", field])]


def form_of(rows: int, *, offices: int = 1, holder_name: str = "ООО «Мельница»") -> PermitForm:
    """A permit form of ``rows`` table 3 rows, each naming ``offices`` offices in column
    6 with long names."""
    office = CustomsOfficeRef(f"Таможенный пост {'я' * 980}")
    goods = GoodsRow(
        "Пшеница",
        "1001990000",
        Decimal(1),
        "166",
        cost=Cost(Decimal(1)),
        customs_offices=(office,) * offices,
    )
    return PermitForm(
        header=Header("10216000", ""),
        holder=Holder(holder_name, HOLDER_INN, "Санкт-Петербург"),
        trade_documents=(TradeDocument("Контракт", "12/27", date(2027, 1, 10)),),
        table3=tuple(replace(goods, number=n) for n in range(1, rows + 1))
        if rows > 1
        else (goods,),
        yield_norms=(),
        table5=(goods,),
        waste_procedure=WasteProcedure(information_later=True),
        identification=(Identification(IdentificationMethod.OTHER, "d", "a"),),
        term=Term(12),
    )


def test_the_text_of_a_whole_permit_is_bounded() -> None:
    """Each string within its bound can still add up past what a document holds: the
    whole form's text is bounded (``DOCUMENT_TOO_LARGE``)."""
    big = form_of(rows=MAX_TABLE_ROWS, offices=MAX_ROW_CUSTOMS_OFFICES)
    assert [(p.code, p.field) for p in check_form_bounds(big)] == [("DOCUMENT_TOO_LARGE", ())]
    assert check_form_bounds(form_of(rows=3, offices=MAX_ROW_CUSTOMS_OFFICES)) == []
    assert MAX_PERMIT_TEXT_BYTES <= 16 * 1024 * 1024 // 4


# --- text that cannot be encoded, through the use cases ---------------------------------------


def _scope(database: Database, role: Role, inn: str | None = None) -> RequestScope:
    principal = Principal(f"test-{role.value.lower()}", "bounds test", role, inn)
    return RequestScope(database.client, database.db, principal, START)


async def test_a_lone_surrogate_is_invalid_text_in_every_use_case(database: Database) -> None:
    """The HTTP layer refuses a lone surrogate in the body; the rules refuse it anyway,
    for every other way in (a WebSocket message, a direct call)."""
    bad = "ООО \ud800"
    line = LineData(1, "Трансформаторы", "8504210000", "796", Decimal(1))
    registration = Registration(
        number=unique("RU"),
        type="ONE_TIME",
        direction="EXPORT",
        issuing_authority="Минпромторг",
        holder=Party(bad, HOLDER_INN),
        valid_from=date(2027, 1, 1),
        valid_to=date(2027, 12, 31),
        lines=[line],
    )
    goods = ItemData(1, bad, "8504210000", Decimal(1), "796", "RU-EX-1", 1)
    declaration = DeclarationData(
        f"{OFFICE}/010327/0000001",
        DeclarationKind.STANDARD,
        Direction.EXPORT,
        "10",
        OFFICE,
        HOLDER_INN,
        [goods],
    )
    before = await everything(database)
    feed = LicenseFeed(_scope(database, Role.INTEGRATOR))
    outcome = await feed.register(unique("msg"), registration)
    assert [(p.code, p.field) for p in outcome.problems] == [("INVALID_TEXT", ("holder", "name"))]
    declarations = Declarations(_scope(database, Role.DECLARANT, HOLDER_INN))
    outcome = await declarations.register(unique("k"), declaration)
    assert [(p.code, p.field) for p in outcome.problems] == [("INVALID_TEXT", ("items", 0, "name"))]
    outcome = await declarations.withdraw(unique("k"), declaration.number, bad)
    assert [(p.code, p.field) for p in outcome.problems] == [("INVALID_TEXT", ("reason",))]
    permits = Permits(_scope(database, Role.OFFICER))
    outcome = await permits.create_draft(key(), form_of(rows=1, holder_name=bad))
    assert [(p.code, p.field) for p in outcome.problems] == [
        ("INVALID_TEXT", ("permit", "holder", "name"))
    ]
    good = replace(registration, holder=Party("ООО «Ромашка»", HOLDER_INN))
    outcome = await feed.register("msg-\ud800", good)
    assert [(p.code, p.field) for p in outcome.problems] == [("INVALID_TEXT", ("messageId",))]
    assert await everything(database) == before


# --- the database's validators: the last guard ---------------------------------------------------


async def test_a_write_the_validator_refuses_is_invalid_document_and_logs_no_value(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The rules check what the validators enforce; should a write reach a validator
    anyway, it is ``INVALID_DOCUMENT`` and the log names the rule, not the document."""
    secret = "СЕКРЕТНОЕ-ЗНАЧЕНИЕ"
    caplog.set_level(logging.WARNING, logger="services.write_refusals")
    invalid = {"_id": ObjectId(), "status": "PREPARED", "holder": {"name": secret}}
    before = await everything(database)
    with pytest.raises(WriteError) as single:
        await database.db.permits.insert_one(invalid)
    with pytest.raises(BulkWriteError) as bulk:
        await database.db.customs_offices.insert_many([{"code": "abc", "name": secret}])
    assert await everything(database) == before
    for error in (single.value, bulk.value):
        problem = validation_refusal(error)
        assert problem is not None
        assert (problem.code, problem.field) == ("INVALID_DOCUMENT", ())
        assert secret not in problem.message
        assert secret not in describe(error)
        assert "validation failed" in describe(error)
    assert caplog.records, "the refusal is logged"
    assert all(
        secret not in record.getMessage() + str(record.__dict__) for record in caplog.records
    )
    assert validation_refusal(ValueError("not the database")) is None


async def test_the_idempotent_runner_answers_a_validator_refusal_with_invalid_document(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "СЕКРЕТНОЕ-ЗНАЧЕНИЕ"

    async def work(session: AsyncClientSession) -> Body:
        await database.db.permits.insert_one({"holder": {"name": secret}}, session=session)
        return {}

    before = await everything(database)
    outcome = await idempotent(
        database.client,
        database.db,
        scope="bounds-test",
        key=unique("k"),
        operation="test",
        content={},
        now=START,
        work=work,
    )
    assert [(p.code, p.field) for p in outcome.problems] == [("INVALID_DOCUMENT", ())]
    assert await everything(database) == before
    assert all(secret not in record.getMessage() for record in caplog.records)
