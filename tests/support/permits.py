"""Shared GraphQL documents and builders for processing permit tests."""

from __future__ import annotations

import copy
import secrets
import uuid
from typing import Any

from api.db import Database
from tests.support.api import HOLDER_INN, Api
from tests.support.snapshots import collections

PERMIT_COLLECTIONS = (
    "permits",
    "permit_revisions",
    "permit_sequences",
    "customs_offices",
    "idempotency",
)

ROW = """number name hsCode quantity unit unitName otherQuantities { amount unitName }
  cost { amountRub currency rate rateDate } customsOffices { name code }"""

PERMIT_FIELDS = f"""
  id number sequence status issueDate revision
  header {{ customsOfficeCode customsOfficeName regionalAdministrationCode
            regionalAdministrationName reportsToFts timeZone }}
  holder {{ name inn address }} currentHolder {{ name inn }}
  transfer {{ newHolder {{ name inn address }} decisionNumber decisionDate }}
  tradeDocuments {{ name number date amendments {{ name number date }} }}
  table3 {{ {ROW} accounted available }}
  table5 {{ {ROW} }} table6 {{ {ROW} }} table7 {{ {ROW} }} table8 {{ {ROW} }}
  table15_1 {{ {ROW} }}
  yieldNorms {{ sourceRow targetTable targetRow kind value maximum unit perQuantity }}
  wasteProcedure {{ procedure informationLater }}
  identification {{ method description officerActions }}
  term {{ months startDate endDate totalMonths endDateInForce
          extensions {{ months endDate decisionNumber }} }}
  specialMarks {{ kind date grounds decisionNumber }}
  hsCodes
  warnings {{ code message field }}
"""

ERRORS = "userErrors { code message field }"


def _mutation(name: str, input_type: str) -> str:
    return f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{ replayed permit {{ {PERMIT_FIELDS} }} {ERRORS} }}
}}"""


CREATE = _mutation("createPermitDraft", "CreatePermitDraftInput")
UPDATE = _mutation("updatePermitDraft", "UpdatePermitDraftInput")
ISSUE = _mutation("issuePermit", "IssuePermitInput")
AMEND = _mutation("amendPermit", "AmendPermitInput")
TRANSFER = _mutation("transferPermit", "TransferPermitInput")
FIX_TERM = _mutation("fixPermitTerm", "FixPermitTermInput")
EXTEND = _mutation("extendPermitTerm", "ExtendPermitTermInput")
REVOKE = _mutation("revokePermit", "PermitMarkInput")
ANNUL = _mutation("annulPermit", "PermitMarkInput")
RESTORE = _mutation("restorePermit", "PermitMarkInput")
EXPIRE = f"""
mutation($input: ExpirePermitsInput!) {{
  expirePermits(input: $input) {{ replayed expired {{ number status }} {ERRORS} }}
}}"""
SAVE_OFFICE = f"""
mutation($input: SaveCustomsOfficeInput!) {{
  saveCustomsOffice(input: $input) {{
    replayed customsOffice {{ code name kind parentCode reportsToFts timeZone sample version }}
    {ERRORS}
  }}
}}"""
PERMIT = f"""query($number: String!) {{ permit(number: $number) {{ {PERMIT_FIELDS} }} }}"""


def key(prefix: str = "k") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def office_ref(name: str = "Балтийская таможня", code: str | None = "10216000") -> dict[str, Any]:
    return {"name": name, "code": code}


def row(
    name: str,
    hs_code: str,
    quantity: str,
    unit: str = "166",
    *,
    number: int | None = None,
    costed: bool = True,
    office: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "hsCode": hs_code, "quantity": quantity, "unit": unit}
    if number is not None:
        data["number"] = number
    if costed:
        data["cost"] = {"amountRub": "9050120.00", "currency": "USD", "rate": "90.5012"}
        data["customsOffices"] = [office or office_ref()]
    return data


def norm(
    target: str, percent: str, *, source: int = 1, row_: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "sourceRow": source,
        "targetTable": target,
        "targetRow": row_,
        "kind": "PERCENT",
        "value": percent,
        **extra,
    }


def permit_input(office: str = "10216000", holder_inn: str = HOLDER_INN) -> dict[str, Any]:
    """Wheat milled into flour, bran as waste, losses: 75 + 20 + 5 = 100 % (a valid form)."""
    return {
        "customsOfficeCode": office,
        "holder": {
            "name": "ООО «Мельница»",
            "inn": holder_inn,
            "address": "Санкт-Петербург, ул. Мельничная, 1",
        },
        "tradeDocuments": [
            {
                "name": "Контракт",
                "number": "12/27",
                "date": "2027-01-10",
                "amendments": [
                    {"name": "Дополнительное соглашение", "number": "1", "date": "2027-02-01"}
                ],
            }
        ],
        "table3": [row("Пшеница", "1001990000", "1000")],
        "yieldNorms": [norm("PRODUCTS", "75"), norm("WASTE", "20"), norm("LOSSES", "5")],
        "table5": [row("Мука пшеничная", "1101001100", "750")],
        "table6": [row("Отруби пшеничные", "2302300000", "200")],
        "table8": [row("Производственные потери", "1001990000", "50", costed=False)],
        "wasteProcedure": {"procedure": "выпуск для внутреннего потребления"},
        "identification": [
            {
                "method": "SAMPLE_ANALYSIS",
                "description": "отбор проб пшеницы и муки",
                "officerActions": "должностное лицо отбирает пробы и сопоставляет результаты",
            }
        ],
        "term": {"months": 12},
    }


def changed(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    copied.update(changes)
    return copied


async def snapshot(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every document of the collections a permit operation can touch (but the records
    of remembered refusals, ``tests/support/snapshots.py``)."""
    return await collections(database, PERMIT_COLLECTIONS)


async def create(api: Api, data: dict[str, Any] | None = None) -> dict[str, Any]:
    body = await api.data(
        CREATE, {"input": {"idempotencyKey": key(), "permit": data or permit_input()}},
        role="OFFICER",
    )  # fmt: skip
    payload: dict[str, Any] = body["createPermitDraft"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def issue(api: Api, permit_id: str, idempotency_key: str | None = None) -> dict[str, Any]:
    body = await api.data(
        ISSUE, {"input": {"idempotencyKey": idempotency_key or key(), "id": permit_id}},
        role="OFFICER",
    )  # fmt: skip
    payload: dict[str, Any] = body["issuePermit"]
    return payload


async def issued(api: Api, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A permit created and issued; fails the test if either is refused."""
    draft = await create(api, data)
    payload = await issue(api, draft["permit"]["id"])
    assert payload["userErrors"] == [], payload["userErrors"]
    permit: dict[str, Any] = payload["permit"]
    return permit


async def new_office(
    api: Api,
    *,
    time_zone: str = "Europe/Moscow",
    parent: str | None = "10200000",
    name: str | None = None,
) -> str:
    """A customs of its own for a test, so that its sequence starts from 1."""
    code = f"1{secrets.randbelow(10**7):07d}"
    body = await api.data(
        SAVE_OFFICE,
        {
            "input": {
                "idempotencyKey": key("office"),
                "code": code,
                "name": name or f"Тестовая таможня {code}",
                "kind": "CUSTOMS",
                "parentCode": parent,
                "reportsToFts": parent is None,
                "timeZone": time_zone,
            }
        },
        role="OFFICER",
    )
    assert body["saveCustomsOffice"]["userErrors"] == [], body
    return code


def error_codes(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]
