"""Licensed goods control (Order 1907 p.4-13): the licence ledger, declarations, their
revisions, accounting notifications; and the ledger's opening entries for licences
registered before it existed (a data move).

Frozen: the entries are written, and hashed, as the ledger did when this migration was
made (``services.ledger.apply_to_lines`` and ``domain.accounting.ledger_entry_hash`` of
that day), copied here so that a later change of the live code changes nothing here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from migrations.helpers import decimal_field, ensure_collection, string_field

DESCRIPTION = "ledger, declarations, revisions, accounting notifications; opening entries"

Document = dict[str, Any]
OPERATIONS = ["LIMIT_CHANGE", "WRITE_OFF", "ANNULMENT", "ACTUALISATION", "RELEASE"]
_ZERO = Decimal(0)

LEDGER_SCHEMA: Document = {
    "bsonType": "object",
    "required": ["licenseId", "licenseNumber", "seq", "lineNo", "operation", "quantity",
                 "after", "hash", "at"],
    "properties": {
        "seq": {"bsonType": "int", "minimum": 1},
        "lineNo": {"bsonType": "int", "minimum": 1},
        "operation": {"enum": OPERATIONS},
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


def _canonical(value: object) -> object:
    if isinstance(value, Enum):
        return _canonical(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    raise TypeError(f"cannot hash a {type(value).__name__} (floats are never used): {value!r}")


def _entry_hash(previous_hash: str | None, fields: Document) -> str:
    """SHA-256 (hex) of the previous hash and the entry's fields, canonically."""
    text = json.dumps(
        {"previous_hash": previous_hash, "entry": _canonical(fields)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _opening_entries(licence: Document, at: datetime) -> tuple[list[Document], int, str | None]:
    """One LIMIT_CHANGE per line bringing its limits from zero to the stored ones, chained
    from the first entry; the entries, the last sequence number and the head hash."""
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)  # what BSON keeps
    figures: dict[int, Document] = {}
    for line in licence["lines"]:
        figures[line["lineNo"]] = {
            "limit": 0,
            "accounted": line["accounted"],
            "released": line["released"],
            "valueLimit": None if line.get("valueLimit") is None else 0,
            "valueAccounted": line.get("valueAccounted") or _ZERO,
            "valueReleased": line.get("valueReleased") or _ZERO,
        }
    entries: list[Document] = []
    seq, head = 0, None
    for line in licence["lines"]:
        number, line_no = licence["number"], line["lineNo"]
        quantity, value = line["quantityLimit"], line.get("valueLimit")
        before = figures[line_no]
        value_limit = (
            before["valueLimit"] if value is None else (before["valueLimit"] or _ZERO) + value
        )
        after = {**before, "limit": before["limit"] + quantity, "valueLimit": value_limit}
        if after["limit"] < 0 or (after["valueLimit"] or _ZERO) < 0:
            raise ValueError(f"licence {number} line {line_no}: a limit below zero")
        seq += 1
        digest = _entry_hash(
            head,
            {
                "seq": seq,
                "recorded_at": at,
                "operation": "LIMIT_CHANGE",
                "licence_number": number,
                "line_no": line_no,
                "quantity": quantity,
                "value": value,
                "declaration_number": None,
                "item_no": None,
                "limit_after": after["limit"],
                "accounted_after": after["accounted"],
                "released_after": after["released"],
                "value_limit_after": after["valueLimit"],
                "value_accounted_after": after["valueAccounted"],
                "value_released_after": after["valueReleased"],
            },
        )
        entries.append(
            {
                "licenseId": licence["_id"],
                "licenseNumber": number,
                "seq": seq,
                "lineNo": line_no,
                "operation": "LIMIT_CHANGE",
                "quantity": quantity,
                "value": value,
                "declarationNumber": None,
                "itemNo": None,
                "after": after,
                "prevHash": head,
                "hash": digest,
                "at": at,
            }
        )
        figures[line_no] = after
        head = digest
    return entries, seq, head


async def _open_ledgers(db: AsyncDatabase[Document]) -> None:
    """Licences registered before the ledger get LIMIT_CHANGE entries for their limits,
    so that every figure is the sum of its entries."""
    async for licence in db.licenses.find({"ledgerSeq": {"$exists": False}}):
        at = licence.get("registeredAt") or datetime.now(UTC)
        entries, seq, head = _opening_entries(licence, at)
        await db.ledger.delete_many({"licenseId": licence["_id"]})  # a repeat after a crash
        await db.ledger.insert_many(entries)
        await db.licenses.update_one(
            {"_id": licence["_id"], "ledgerSeq": {"$exists": False}},
            {"$set": {"ledgerSeq": seq, "ledgerHash": head}},
        )


async def _derive_states(db: AsyncDatabase[Document]) -> None:
    """Licences stored before ``state`` (status with EXHAUSTED derived) get it: an ACTIVE
    licence whose lines are all used up shows EXHAUSTED."""
    async for licence in db.licenses.find({"state": {"$exists": False}}):
        status = licence["status"]
        state = "EXHAUSTED" if status == "ACTIVE" and licence.get("exhausted", False) else status
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
