"""GraphQL documents and builders for declaration tests."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Any

from tests.support.api import HOLDER_INN, Api
from tests.support.licenses import REGISTER, license_input, unique

OFFICE = "10702030"
_serial = itertools.count(int(uuid.uuid4().int % 9_000_000) + 100_000)

DECLARATION_FIELDS = """
  id number kind status revision version procedure registeredAt releaseDeadline
  items { itemNo name hsCode quantity unit value currency licenseNumber lineNo earlierDeclaration }
  discrepancies { code itemNo message affectsRestrictions fixable licenseNumber lineNo }
  refusal { grounds { code message itemNos } reason }
  accountingNotification {
    id kind entries { licenseNumber lineNo itemNo operation quantity value }
  }
  ledgerEntries {
    seq licenseNumber lineNo operation quantity value after { limit accounted released }
  }
  autoTrace { step point passed detail }
  statusHistory { status reason }
"""


def mutation(name: str, input_type: str) -> str:
    return """
mutation($input: %s!) {
  %s(input: $input) {
    replayed
    declaration { %s }
    userErrors { code message field }
  }
}""" % (input_type, name, DECLARATION_FIELDS)


REGISTER_DECLARATION = mutation("registerDeclaration", "RegisterDeclarationInput")
CONTROL = mutation("controlDeclaration", "DeclarationOperationInput")
ACCOUNT = mutation("accountDeclaration", "DeclarationOperationInput")
RELEASE = mutation("releaseDeclaration", "DeclarationOperationInput")
AUTO = mutation("runAutomaticMode", "DeclarationOperationInput")
REFUSE = mutation("refuseRelease", "RefuseReleaseInput")
WITHDRAW = mutation("withdrawDeclaration", "WithdrawDeclarationInput")
CORRECT = mutation("correctDeclaration", "CorrectDeclarationInput")
EXTEND = mutation("extendReleaseDeadline", "ExtendReleaseDeadlineInput")

LICENSE_LINES = """query($n: String!) { license(number: $n) { status
  lines { lineNo quantityLimit accounted released available valueAccounted exhausted } } }"""


def declaration_number(on: date = date(2027, 3, 1)) -> str:
    return f"{OFFICE}/{on:%d%m%y}/{next(_serial):07d}"


def item(license: str, line_no: int = 1, quantity: str = "10", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "itemNo": 1,
        "name": "Трансформаторы силовые масляные",
        "hsCode": "8504210000",
        "quantity": quantity,
        "unit": "796",
        "licenseNumber": license,
        "lineNo": line_no,
    }
    if line_no == 1:  # line 1 of licence_input() has a value limit in USD
        data.update(value=str(int(quantity.split(".")[0]) * 1000), currency="USD")
    data.update(extra)
    return data


def declaration_input(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    for index, it in enumerate(items, start=1):
        it.setdefault("itemNo", index)
    data: dict[str, Any] = {
        "number": declaration_number(),
        "kind": "STANDARD",
        "direction": "EXPORT",
        "procedure": "10",
        "customsOffice": OFFICE,
        "declarantInn": HOLDER_INN,
        "items": items,
    }
    data.update(extra)
    return data


async def new_license(api: Api, **overrides: Any) -> str:
    data = license_input(**overrides)
    body = await api.data(REGISTER, {"input": data}, role="INTEGRATOR")
    assert body["registerLicense"]["userErrors"] == [], body
    number: str = data["number"]
    return number


async def op(
    api: Api, document: str, payload: dict[str, Any], role: str = "OFFICER"
) -> dict[str, Any]:
    """Send a declaration mutation with a fresh idempotency key; return its payload."""
    payload = {"idempotencyKey": unique("k"), **payload}
    body = await api.data(document, {"input": payload}, role=role)
    result: dict[str, Any] = next(iter(body.values()))
    return result


async def register(
    api: Api, declaration: dict[str, Any], role: str = "DECLARANT"
) -> dict[str, Any]:
    return await op(api, REGISTER_DECLARATION, {"declaration": declaration}, role=role)


async def lines(api: Api, license: str) -> list[dict[str, Any]]:
    body = await api.data(LICENSE_LINES, {"n": license}, role="OFFICER")
    result: list[dict[str, Any]] = body["license"]["lines"]
    return result
