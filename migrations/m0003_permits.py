"""Processing permits (Permit rules p.1-p.9, DESIGN Part B): permits, their revisions, the
per-office per-year sequence counters of the registration number (p.2), and the customs
offices reference data with a handful of sample offices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from migrations.helpers import decimal_field, ensure_collection, string_field

DESCRIPTION = "permits, permit revisions, permit sequences, customs offices (with samples)"

Document = dict[str, Any]

_OFFICE_CODE = r"^\d{8}$"
_HS_CODE = r"^\d{4}(\d{2}(\d{2}\d?\d?)?)?$"
_STATUSES = ["PREPARED", "IN_FORCE", "EXECUTED", "EXPIRED", "ANNULLED", "REVOKED"]

_ROW: Document = {
    "bsonType": "object",
    "required": ["name", "hsCode", "quantity", "unit", "otherQuantities", "customsOffices"],
    "properties": {
        "number": {"bsonType": ["int", "null"], "minimum": 1},
        "name": string_field("goods name per the EAEU CN FEA (p.5(б))"),
        "hsCode": string_field("HS code (p.5(в))", pattern=_HS_CODE),
        "quantity": decimal_field("quantity per the yield norms (p.5(г))"),
        "unit": string_field("OKEI unit code", pattern=r"^\d{3}$"),
        "otherQuantities": {"bsonType": "array"},
        "cost": {"bsonType": ["object", "null"]},
        "customsOffices": {"bsonType": "array"},
    },
}  # fmt: skip

#: Table 3 rows also carry what placements have accounted against them (DESIGN Part B,
#: "A permit is also used"): ``available`` = quantity - accounted, kept for guarded updates.
_TABLE3_ROW: Document = {
    **_ROW,
    "required": [*_ROW["required"], "accounted", "available"],
    "properties": {
        **_ROW["properties"],
        "accounted": decimal_field("placed under procedure 51 and accounted (0 until placements)"),
        "available": decimal_field("quantity - accounted"),
    },
}  # fmt: skip

_PERSON = {
    "bsonType": "object",
    "required": ["name", "inn", "address"],
    "properties": {"inn": string_field("INN", pattern=r"^(\d{10}|\d{12})$")},
}

PERMIT_SCHEMA: Document = {
    "bsonType": "object",
    "required": ["status", "header", "holder", "holderInn", "tradeDocuments", "table3",
                 "table5", "table6", "table7", "table8", "table15_1", "yieldNorms",
                 "wasteProcedure", "identification", "term", "processingOrganisations",
                 "specialMarks", "hsCodes", "hsCodePrefixes", "revision", "createdAt",
                 "updatedAt"],
    "properties": {
        "status": {"enum": _STATUSES},
        "number": string_field("CCCCCCCC/DDMMYY/51/SEQ (p.2)", pattern=r"^\d{8}/\d{6}/51/\d+$"),
        "sequence": {"bsonType": "int", "minimum": 1},
        "header": {
            "bsonType": "object",
            "required": ["customsOfficeCode", "customsOfficeName", "reportsToFts", "timeZone"],
            "properties": {
                "customsOfficeCode": string_field("issuing customs", pattern=_OFFICE_CODE),
                "reportsToFts": {"bsonType": "bool"},
                "timeZone": string_field("IANA time zone of the issuing customs"),
            },
        },
        "holder": _PERSON,
        "holderInn": string_field("INN of the current holder (after a transfer, the new one)"),
        "transfer": {"bsonType": ["object", "null"]},
        "table3": {"bsonType": "array", "items": _TABLE3_ROW},
        "table5": {"bsonType": "array", "items": _ROW},
        "table6": {"bsonType": "array", "items": _ROW},
        "table7": {"bsonType": "array", "items": _ROW},
        "table8": {"bsonType": "array", "items": _ROW},
        "table15_1": {"bsonType": "array", "items": _ROW},
        "term": {
            "bsonType": "object",
            "required": ["months", "extensions"],
            "properties": {
                "months": {"bsonType": "int"},
                "startDate": {"bsonType": ["date", "null"]},
                "endDate": {"bsonType": ["date", "null"]},
                "extensions": {"bsonType": "array"},
            },
        },
        "termEnd": {"bsonType": "date"},
        "issueDate": {"bsonType": "date"},
        "issuedAt": {"bsonType": "date"},
        "hsCodes": {"bsonType": "array", "items": {"bsonType": "string"}},
        "hsCodePrefixes": {"bsonType": "array", "items": {"bsonType": "string"}},
        "revision": {"bsonType": "int", "minimum": 1},
    },
}  # fmt: skip

REVISION_SCHEMA: Document = {
    "bsonType": "object",
    "required": ["permitId", "revision", "operation", "at", "effectiveDate", "by", "permit"],
    "properties": {
        "revision": {"bsonType": "int", "minimum": 1},
        "operation": {"enum": ["CREATE", "EDIT", "ISSUE", "AMEND", "TRANSFER", "FIX_TERM",
                               "EXTEND", "REVOKE", "ANNUL", "RESTORE", "EXPIRE", "EXECUTE"]},
        "at": {"bsonType": "date"},
        "effectiveDate": {"bsonType": "date"},
        "permit": {"bsonType": "object"},
    },
}  # fmt: skip

SEQUENCE_SCHEMA: Document = {
    "bsonType": "object",
    "required": ["_id", "office", "year", "value"],
    "properties": {
        "_id": string_field("<office>:<year>", pattern=r"^\d{8}:\d{4}$"),
        "office": string_field("customs office code", pattern=_OFFICE_CODE),
        "year": {"bsonType": "int"},
        "value": {"bsonType": "int", "minimum": 1},
    },
}

OFFICE_SCHEMA: Document = {
    "bsonType": "object",
    "required": ["code", "name", "kind", "reportsToFts", "timeZone", "version"],
    "properties": {
        "code": string_field("8-digit customs office code", pattern=_OFFICE_CODE),
        "name": string_field("official name"),
        "kind": {"enum": ["REGIONAL_ADMINISTRATION", "CUSTOMS", "POST"]},
        "parentCode": {"bsonType": ["string", "null"], "pattern": _OFFICE_CODE},
        "reportsToFts": {"bsonType": "bool"},
        "timeZone": string_field("IANA time zone, e.g. Europe/Moscow"),
        "version": {"bsonType": "int", "minimum": 1},
    },
}

#: SAMPLE reference data: plausible offices for a fresh installation and the tests, not
#: an authoritative FTS list.  Officers edit and add offices with ``saveCustomsOffice``.
#: (code, name, kind, parent code, reports to the FTS directly, time zone)
SAMPLE_OFFICES: list[tuple[str, str, str, str | None, bool, str]] = [
    ("10100000", "Центральное таможенное управление", "REGIONAL_ADMINISTRATION", None, True,
     "Europe/Moscow"),
    ("10200000", "Северо-Западное таможенное управление", "REGIONAL_ADMINISTRATION", None, True,
     "Europe/Moscow"),
    ("10700000", "Дальневосточное таможенное управление", "REGIONAL_ADMINISTRATION", None, True,
     "Asia/Vladivostok"),
    ("10129000", "Московская таможня", "CUSTOMS", "10100000", False, "Europe/Moscow"),
    ("10216000", "Балтийская таможня", "CUSTOMS", "10200000", False, "Europe/Moscow"),
    ("10702000", "Владивостокская таможня", "CUSTOMS", "10700000", False, "Asia/Vladivostok"),
    ("10012000", "Калининградская областная таможня", "CUSTOMS", None, True,
     "Europe/Kaliningrad"),
    ("10006000", "Центральная энергетическая таможня", "CUSTOMS", None, True, "Europe/Moscow"),
    ("10216100", "Балтийский таможенный пост (центр электронного декларирования)", "POST",
     "10216000", False, "Europe/Moscow"),
    ("10702070", "Владивостокский таможенный пост (центр электронного декларирования)", "POST",
     "10702000", False, "Asia/Vladivostok"),
]  # fmt: skip


async def _load_samples(db: AsyncDatabase[Document]) -> None:
    """Insert the sample offices that are not there yet; never overwrite an officer's edit."""
    now = datetime.now(UTC)
    for code, name, kind, parent, reports_to_fts, zone in SAMPLE_OFFICES:
        await db.customs_offices.update_one(
            {"code": code},
            {
                "$setOnInsert": {
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "parentCode": parent,
                    "reportsToFts": reports_to_fts,
                    "timeZone": zone,
                    "sample": True,
                    "version": 1,
                    "updatedAt": now,
                    "updatedBy": {"keyId": "migration", "name": "m0003_permits"},
                }
            },
            upsert=True,
        )


async def up(db: AsyncDatabase[Document]) -> None:
    await ensure_collection(db, "permits", PERMIT_SCHEMA)
    await db.permits.create_indexes(
        [
            # Drafts have no number yet: sparse, so they do not collide.
            IndexModel([("number", ASCENDING)], unique=True, sparse=True, name="number_unique"),
            # Each list filter with the default order (newest first, keyset on _id).
            IndexModel([("status", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)]),
            IndexModel(
                [("header.customsOfficeCode", ASCENDING), ("createdAt", DESCENDING),
                 ("_id", DESCENDING)]
            ),
            IndexModel([("holderInn", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("hsCodePrefixes", ASCENDING)]),
            IndexModel([("hsCodes", ASCENDING)]),
            # The orders (and the "term ending before" filter, and expiry: status + end).
            IndexModel([("createdAt", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("issuedAt", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("termEnd", ASCENDING), ("_id", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("termEnd", ASCENDING)]),
        ]
    )  # fmt: skip
    await ensure_collection(db, "permit_revisions", REVISION_SCHEMA)
    await db.permit_revisions.create_indexes(
        [
            IndexModel([("permitId", ASCENDING), ("revision", DESCENDING)], unique=True),
            IndexModel([("permitId", ASCENDING), ("effectiveDate", DESCENDING)]),
        ]
    )
    await ensure_collection(db, "permit_sequences", SEQUENCE_SCHEMA)
    await ensure_collection(db, "customs_offices", OFFICE_SCHEMA)
    await db.customs_offices.create_indexes(
        [
            IndexModel([("code", ASCENDING)], unique=True, name="code_unique"),
            IndexModel([("kind", ASCENDING), ("code", ASCENDING)]),
            IndexModel([("parentCode", ASCENDING)]),
        ]
    )
    await _load_samples(db)
