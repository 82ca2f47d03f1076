"""Licensed goods control (Order 1907 p.4-13): the licence ledger, declarations, their
revisions, accounting notifications; and the ledger's opening entries for licences
registered before it existed (a data move)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from domain.accounting import Movement, Operation
from domain.licenses import LicenseStatus, license_state
from migrations.helpers import decimal_field, ensure_collection, string_field
from services.ledger import apply_to_lines

DESCRIPTION = "ledger, declarations, revisions, accounting notifications; opening entries"

Document = dict[str, Any]

LEDGER_SCHEMA: Document = {
    "bsonType": "object",
    "required": ["licenseId", "licenseNumber", "seq", "lineNo", "operation", "quantity",
                 "after", "hash", "at"],
    "properties": {
        "seq": {"bsonType": "int", "minimum": 1},
        "lineNo": {"bsonType": "int", "minimum": 1},
        "operation": {"enum": [op.value for op in Operation]},
        "quantity": decimal_field("quantity moved, in the line's unit"),
        "value": {"bsonType": ["decimal", "null"]},
        "hash": string_field("SHA-256 of the previous hash and this entry"),
        "at": {"bsonType": "date"},
    },
}  # fmt: skip

DECLARATION_SCHEMA: Document = {
    "bsonType": "object",
    "required": ["number", "kind", "direction", "procedure", "customsOffice", "declarantInn",
                 "registeredAt", "releaseDeadline", "items", "status", "revision", "version"],
    "properties": {
        "number": string_field("CCCCCCCC/DDMMYY/NNNNNNN", pattern=r"^\d{8}/\d{6}/\d{7}$"),
        "kind": {"enum": ["STANDARD", "TEMPORARY", "FULL"]},
        "direction": {"enum": ["EXPORT", "IMPORT"]},
        "status": {"enum": ["REGISTERED", "CONTROLLED", "ACCOUNTED", "RELEASED", "REFUSED",
                            "WITHDRAWN"]},
        "items": {
            "bsonType": "array",
            "minItems": 1,
            "items": {
                "bsonType": "object",
                "required": ["itemNo", "name", "hsCode", "quantity", "unit"],
                "properties": {
                    "quantity": decimal_field("declared quantity"),
                    "value": {"bsonType": ["decimal", "null"]},
                },
            },
        },
        "revision": {"bsonType": "int", "minimum": 1},
        "version": {"bsonType": "int", "minimum": 1},
    },
}  # fmt: skip


async def _open_ledgers(db: AsyncDatabase[Document]) -> None:
    """Licences registered before the ledger get LIMIT_CHANGE entries for their limits,
    so that every figure is the sum of its entries."""
    async for licence in db.licenses.find({"ledgerSeq": {"$exists": False}}):
        at = licence.get("registeredAt") or datetime.now(UTC)
        movements = [
            Movement(
                Operation.LIMIT_CHANGE,
                licence["number"],
                line["lineNo"],
                line["quantityLimit"],
                line.get("valueLimit"),
            )
            for line in licence["lines"]
        ]
        zeroed = [
            {
                **line,
                "quantityLimit": 0,
                "valueLimit": None if line.get("valueLimit") is None else 0,
            }
            for line in licence["lines"]
        ]
        write = apply_to_lines(licence["_id"], licence["number"], zeroed, 0, None, movements, at)
        await db.ledger.delete_many({"licenseId": licence["_id"]})  # a repeat after a crash
        await db.ledger.insert_many(write.entries)
        await db.licenses.update_one(
            {"_id": licence["_id"], "ledgerSeq": {"$exists": False}},
            {"$set": {"ledgerSeq": write.seq, "ledgerHash": write.head}},
        )


async def _derive_states(db: AsyncDatabase[Document]) -> None:
    """Licences stored before ``state`` (status with EXHAUSTED derived) get it."""
    async for licence in db.licenses.find({"state": {"$exists": False}}):
        state = license_state(LicenseStatus(licence["status"]), licence.get("exhausted", False))
        await db.licenses.update_one({"_id": licence["_id"]}, {"$set": {"state": state}})


async def up(db: AsyncDatabase[Document]) -> None:
    await ensure_collection(db, "ledger", LEDGER_SCHEMA)
    await db.ledger.create_indexes(
        [
            IndexModel([("licenseId", ASCENDING), ("seq", ASCENDING)], unique=True),
            IndexModel([("licenseId", ASCENDING), ("lineNo", ASCENDING), ("at", DESCENDING)]),
            IndexModel([("declarationNumber", ASCENDING), ("seq", ASCENDING)]),
            IndexModel([("writeOffKey", ASCENDING)], unique=True, sparse=True),
            IndexModel([("at", ASCENDING)]),
        ]
    )
    await ensure_collection(db, "declarations", DECLARATION_SCHEMA)
    await db.declarations.create_indexes(
        [
            IndexModel([("number", ASCENDING)], unique=True, name="number_unique"),
            IndexModel([("registeredAt", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("status", ASCENDING), ("registeredAt", DESCENDING)]),
            IndexModel([("declarantInn", ASCENDING), ("registeredAt", DESCENDING)]),
            IndexModel([("items.licenseNumber", ASCENDING), ("registeredAt", DESCENDING)]),
            IndexModel([("procedure", ASCENDING), ("registeredAt", DESCENDING)]),
            IndexModel([("kind", ASCENDING), ("registeredAt", DESCENDING)]),
            IndexModel([("temporaryNumbers", ASCENDING)]),
            IndexModel([("refusal.at", ASCENDING)], sparse=True),
            IndexModel([("releaseDeadline", ASCENDING)]),
        ]
    )
    await ensure_collection(db, "declaration_revisions")
    await db.declaration_revisions.create_indexes(
        [IndexModel([("declarationId", ASCENDING), ("revision", ASCENDING)], unique=True)]
    )
    await ensure_collection(db, "notifications")
    await db.notifications.create_indexes(
        [
            IndexModel([("declarationNumber", ASCENDING), ("at", ASCENDING)]),
            IndexModel([("licenseNumbers", ASCENDING), ("at", DESCENDING)]),
            IndexModel([("at", DESCENDING), ("_id", DESCENDING)]),
        ]
    )
    await _open_ledgers(db)
    await _derive_states(db)
