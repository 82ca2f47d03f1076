"""Building blocks for migrations: idempotent collection and validator set-up."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]


async def ensure_collection(
    db: AsyncDatabase[Document], name: str, json_schema: Document | None = None
) -> None:
    """Create ``name`` with its ``$jsonSchema`` validator, or update the validator."""
    validator = {"$jsonSchema": json_schema} if json_schema else {}
    existing = await db.list_collection_names(filter={"name": name})
    if not existing:
        await db.create_collection(name, validator=validator, validationLevel="strict")
    elif validator:
        await db.command({"collMod": name, "validator": validator, "validationLevel": "strict"})


def decimal_field(description: str) -> Document:
    """A Decimal128 field (quantities and money are never floats)."""
    return {"bsonType": "decimal", "description": description}


def string_field(description: str, *, pattern: str | None = None) -> Document:
    field: Document = {"bsonType": "string", "description": description}
    if pattern:
        field["pattern"] = pattern
    return field
