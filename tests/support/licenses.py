"""Shared GraphQL documents and builders for licence tests."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.api import HOLDER_INN

LICENSE_FIELDS = """
  id number type direction issuingAuthority status controlMode version validFrom validTo
  holder { inn name } counterparty { name country }
  lines { lineNo name hsCode unit unitName quantityLimit accounted released available excess
          valueLimit valueAvailable currency exhausted }
"""

REGISTER = (
    """
mutation($input: RegisterLicenseInput!) {
  registerLicense(input: $input) {
    replayed
    license { %s }
    userErrors { code message field }
  }
}"""
    % LICENSE_FIELDS
)

AMEND = (
    """
mutation($input: AmendLicenseInput!) {
  amendLicense(input: $input) {
    replayed license { %s } userErrors { code message field }
  }
}"""
    % LICENSE_FIELDS
)

STATUS = """
mutation($input: LicenseStatusMessageInput!) {
  %s(input: $input) { replayed license { number status version } userErrors { code message field } }
}"""


def unique(prefix: str = "L") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def license_input(number: str | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "messageId": unique("msg"),
        "number": number or unique("RU-EX"),
        "type": "ONE_TIME",
        "direction": "EXPORT",
        "issuingAuthority": "Минпромторг России",
        "holder": {"inn": HOLDER_INN, "name": "ООО «Ромашка»"},
        "counterparty": {"name": "Acme GmbH", "country": "DE"},
        "validFrom": "2027-01-01",
        "validTo": "2027-12-31",
        "lines": [
            {
                "lineNo": 1,
                "name": "Трансформаторы силовые",
                "hsCode": "8504210000",
                "unit": "796",
                "quantityLimit": "100",
                "valueLimit": "250000.00",
                "currency": "USD",
            },
            {
                "lineNo": 2,
                "name": "Медная проволока",
                "hsCode": "7408",
                "unit": "166",
                "quantityLimit": "1500.125",
            },
        ],
    }
    data.update(overrides)
    return data
