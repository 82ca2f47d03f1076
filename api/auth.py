"""API keys: created by the CLI, stored hashed, one role each.

A key reads ``ck_<key id>_<secret>``.  Only the SHA-256 of the secret is stored: the
secret has 256 bits of entropy, so a fast hash is enough and a leaked database yields
no usable key.  Roles:

* OFFICER     customs officer: reads everything, performs control decisions;
* DECLARANT   bound to an INN: files its own declarations, sees only its own data;
* ANALYST     reads everything, changes nothing;
* INTEGRATOR  the licence feed from EAIS / other agencies (Order 1907 p.2-3).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from domain.codes import inn_error

API_KEY_HEADER = "x-api-key"
Document = dict[str, Any]


class Role(StrEnum):
    OFFICER = "OFFICER"
    DECLARANT = "DECLARANT"
    ANALYST = "ANALYST"
    INTEGRATOR = "INTEGRATOR"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who sends the request."""

    key_id: str
    name: str
    role: Role
    inn: str | None = None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_key_binding(role: Role, inn: str | None) -> None:
    """DECLARANT keys are bound to a valid INN; no other key is.  Raises ValueError."""
    if role is Role.DECLARANT:
        if inn is None:
            raise ValueError("a DECLARANT key is bound to an INN: pass --inn")
        if (error := inn_error(inn)) is not None:
            raise ValueError(error)
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


def can_see_licence(principal: Principal, doc: Document | None) -> bool:
    """A DECLARANT key sees only licences issued to its INN; other roles see all."""
    if doc is None:
        return False
    return principal.role is not Role.DECLARANT or doc["holder"]["inn"] == principal.inn
