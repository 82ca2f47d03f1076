"""Customs offices reference data (Permit rules p.1; the rules are
:mod:`domain.customs_offices`').  Migration 0003 loads sample offices; officers add and
edit offices with ``saveCustomsOffice``.
"""

from __future__ import annotations

from dataclasses import asdict

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from domain.customs_offices import (
    Office,
    OfficeData,
    check_kind_change,
    check_office,
    check_parent,
    issuing_customs,
    permit_header,
    reports_to_fts,
)
from domain.permits.form import Header
from domain.problems import FieldPath, RuleViolation
from services.base import Document, Service
from services.documents.customs_offices import office_of
from services.transactions import ConcurrentUpdate, Outcome


async def find_office(
    db: AsyncDatabase[Document],
    session: AsyncClientSession | None,
    query: Document,
) -> Office | None:
    doc = await db.customs_offices.find_one(query, session=session)
    return None if doc is None else office_of(doc)


async def issuing_header(
    db: AsyncDatabase[Document],
    session: AsyncClientSession | None,
    code: str,
    field: FieldPath,
) -> tuple[Header, str]:
    """The permit header of the customs ``code`` from the reference data (Permit rules
    p.1), and the customs' time zone."""
    customs = issuing_customs(code, await find_office(db, session, {"code": code}), field)
    parent = None
    if not customs.reports_to_fts:
        parent = await find_office(db, session, {"code": customs.parent_code})
    return permit_header(customs, parent, field), customs.time_zone


class CustomsOffices(Service):
    """Officers' edits of the reference data, idempotent per API key."""

    async def save(self, key: str, data: OfficeData) -> Outcome:
        """Add an office or replace an existing one's fields (matched by code)."""
        if key.strip() and (problems := check_office(data)):  # an empty key comes first
            return Outcome(None, problems)

        async def work(session: AsyncClientSession) -> Document:
            parent = None
            if data.parent_code is not None:
                parent = await find_office(self.db, session, {"code": data.parent_code})
            if problems := check_parent(data, parent):
                raise RuleViolation(problems)
            existing = await self.db.customs_offices.find_one({"code": data.code}, session=session)
            fields = {
                "name": data.name.strip(),
                "kind": data.kind.value,
                "parentCode": data.parent_code,
                "reportsToFts": reports_to_fts(data),
                "timeZone": data.time_zone,
                "updatedAt": self.now,
                "updatedBy": self.by(),
            }
            if existing is None:
                try:
                    await self.db.customs_offices.insert_one(
                        {"code": data.code, **fields, "sample": False, "version": 1},
                        session=session,
                    )
                except DuplicateKeyError:
                    raise ConcurrentUpdate from None
                return {"code": data.code}
            subordinate = await find_office(self.db, session, {"parentCode": data.code})
            if problems := check_kind_change(office_of(existing), data, subordinate):
                raise RuleViolation(problems)
            result = await self.db.customs_offices.update_one(
                {"_id": existing["_id"], "version": existing["version"]},
                {"$set": {**fields, "sample": False, "version": existing["version"] + 1}},
                session=session,
            )
            if result.matched_count != 1:
                raise ConcurrentUpdate
            return {"code": data.code}

        return await self.run(key, "saveCustomsOffice", asdict(data), work)
