"""Licence registry (Order 1907 p.2-3): licences, their history, API keys, idempotency."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from migrations.helpers import decimal_field, ensure_collection, string_field

DESCRIPTION = "licences, licence history, API keys and idempotency records"

Document = dict[str, Any]

_LINE = {
    "bsonType": "object",
    "required": [
        "lineNo", "name", "hsCode", "unit",
        "quantityLimit", "accounted", "released", "available",
    ],
    "properties": {
        "lineNo": {"bsonType": "int", "minimum": 1},
        "name": string_field("goods name as in the licence"),
        "hsCode": string_field("HS code, 4-10 digits", pattern=r"^\d{4}(\d{2}(\d{2}\d?\d?)?)?$"),
        "unit": string_field("OKEI unit code", pattern=r"^\d{3}$"),
        "quantityLimit": decimal_field("quantity the licence allows"),
        "accounted": decimal_field("written off and not annulled"),
        "released": decimal_field("part of accounted whose goods were released"),
        "available": decimal_field("quantityLimit - accounted (negative = excess)"),
        "valueLimit": {"bsonType": ["decimal", "null"]},
        "valueAccounted": {"bsonType": ["decimal", "null"]},
        "valueReleased": {"bsonType": ["decimal", "null"]},
        "valueAvailable": {"bsonType": ["decimal", "null"]},
        "currency": {"bsonType": ["string", "null"]},
    },
}  # fmt: skip

LICENSE_SCHEMA: Document = {
    "bsonType": "object",
    "required": [
        "number", "type", "direction", "issuingAuthority", "holder", "validFrom", "validTo",
        "controlMode", "status", "exhausted", "lines", "version", "registeredAt", "updatedAt",
    ],
    "properties": {
        "number": string_field("licence number"),
        "type": {"enum": ["ONE_TIME", "GENERAL", "EXCLUSIVE"]},
        "direction": {"enum": ["EXPORT", "IMPORT"]},
        "issuingAuthority": string_field("authority that issued the licence"),
        "holder": {
            "bsonType": "object",
            "required": ["inn", "name"],
            "properties": {"inn": string_field("holder INN", pattern=r"^(\d{10}|\d{12})$")},
        },
        "validFrom": {"bsonType": "date"},
        "validTo": {"bsonType": "date"},
        "controlMode": {"enum": ["ELECTRONIC", "LEGACY"]},
        "status": {"enum": ["ACTIVE", "SUSPENDED", "TERMINATED"]},
        "exhausted": {"bsonType": "bool"},
        "state": {"enum": ["ACTIVE", "EXHAUSTED", "SUSPENDED", "TERMINATED"]},
        "lines": {"bsonType": "array", "minItems": 1, "items": _LINE},
        "version": {"bsonType": "int", "minimum": 1},
    },
}  # fmt: skip

HISTORY_SCHEMA: Document = {
    "bsonType": "object",
    "required": ["licenseId", "seq", "kind", "messageId", "sentBy", "receivedAt"],
    "properties": {
        "seq": {"bsonType": "int", "minimum": 1},
        "kind": {
            "enum": [
                "REGISTERED",
                "AMENDED",
                "SUSPENDED",
                "RESUMED",
                "TERMINATED",
                "EXHAUSTION_REPORTED",
            ]
        },
        "messageId": string_field("feed message id"),
        "receivedAt": {"bsonType": "date"},
    },
}


async def up(db: AsyncDatabase[Document]) -> None:
    await ensure_collection(db, "licenses", LICENSE_SCHEMA)
    await db.licenses.create_indexes(
        [
            IndexModel([("number", ASCENDING)], unique=True, name="number_unique"),
            IndexModel([("state", ASCENDING), ("number", ASCENDING)]),
            IndexModel([("direction", ASCENDING), ("number", ASCENDING)]),
            IndexModel([("holder.inn", ASCENDING), ("number", ASCENDING)]),
            IndexModel([("lines.hsCode", ASCENDING)]),
            # With _id: the keyset order of these non-unique sorts (and their ranges).
            IndexModel([("validTo", ASCENDING), ("_id", ASCENDING)]),
            IndexModel([("validFrom", ASCENDING), ("_id", ASCENDING)]),
            IndexModel([("registeredAt", DESCENDING), ("_id", DESCENDING)]),
        ]
    )
    await ensure_collection(db, "license_history", HISTORY_SCHEMA)
    await db.license_history.create_indexes(
        [IndexModel([("licenseId", ASCENDING), ("seq", DESCENDING)], unique=True)]
    )
    await ensure_collection(db, "idempotency")
    await db.idempotency.create_indexes(
        [IndexModel([("scope", ASCENDING), ("key", ASCENDING)], unique=True)]
    )
    await ensure_collection(db, "api_keys")
