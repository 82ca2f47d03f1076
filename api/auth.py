"""API keys: created by the CLI, stored hashed, one role each.

A key reads ``ck_<key id>_<secret>``.  Only the SHA-256 of the secret is stored: the
secret has 256 bits of entropy, so a fast hash is enough and a leaked database yields
no usable key.  The roles and what each may see are the access policy's
(:mod:`domain.access`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from domain.access import Principal, Role, bound_inn_required
from domain.codes import check_inn

API_KEY_HEADER = "x-api-key"
Document = dict[str, Any]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_key_binding(role: Role, inn: str | None) -> None:
    """DECLARANT keys are bound to a valid INN; no other key is.  Raises ValueError."""
    if bound_inn_required(role):
        if inn is None:
            raise ValueError("a DECLARANT key is bound to an INN: pass --inn")
        if problems := check_inn(inn):
            raise ValueError("; ".join(p.message for p in problems))
    elif inn is not None:
        raise ValueError("only DECLARANT keys are bound to an INN")


async def create_api_key(
    db: AsyncDatabase[Document], *, name: str, role: Role, inn: str | None, now: datetime
) -> str:
    """Store a new key and return it in plain text (shown once, never stored)."""
    check_key_binding(role, inn)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    await db.api_keys.insert_one(
        {
            "_id": key_id,
            "name": name,
            "role": role.value,
            "inn": inn,
            "secretHash": _hash(secret),
            "createdAt": now,
            "revokedAt": None,
        }
    )
    return f"ck_{key_id}_{secret}"


async def authenticate(db: AsyncDatabase[Document], presented: str | None) -> Principal | None:
    """The principal of a presented key, or None when it is missing, unknown or revoked."""
    if not presented or not presented.startswith("ck_"):
        return None
    key_id, sep, secret = presented[3:].partition("_")
    if not sep or not secret:
        return None
    doc = await db.api_keys.find_one({"_id": key_id})
    if doc is None or doc.get("revokedAt") is not None:
        return None
    if not hmac.compare_digest(doc["secretHash"], _hash(secret)):
        return None
    return Principal(key_id=key_id, name=doc["name"], role=Role(doc["role"]), inn=doc.get("inn"))
