"""Customs offices reference data: regional customs administrations, customs and posts.

Permit rules p.1: a permit names the regional customs administration and the customs
under it that issued it, or only the customs when it reports directly to the FTS of
Russia.  The issuing customs' time zone gives the local date of the permit number and of
its sequence year (DESIGN "Permit number").  Migration 0003 loads sample offices;
officers add and edit offices with ``saveCustomsOffice``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from domain.access import Principal
from domain.codes import customs_office_code_error
from domain.permits.form import Header
from domain.problems import FieldPath, Problem, RuleViolation
from services.transactions import ConcurrentUpdate, Outcome, idempotent

Document = dict[str, Any]
DEFAULT_TIME_ZONE = "Europe/Moscow"


class OfficeKind(StrEnum):
    REGIONAL_ADMINISTRATION = "REGIONAL_ADMINISTRATION"
    CUSTOMS = "CUSTOMS"
    POST = "POST"


#: The kind a parent must have, per kind of office.
_PARENT_KIND = {
    OfficeKind.CUSTOMS: OfficeKind.REGIONAL_ADMINISTRATION,
    OfficeKind.POST: OfficeKind.CUSTOMS,
}


@dataclass(frozen=True)
class OfficeData:
    """A customs office as an officer saves it."""

    code: str
    name: str
    kind: OfficeKind
    parent_code: str | None = None
    reports_to_fts: bool = False
    time_zone: str = DEFAULT_TIME_ZONE


def time_zone_error(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone, or None."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{name!r} is not an IANA time zone such as Europe/Moscow"
    return None


def local_date(moment: datetime, time_zone: str) -> date:
    """The calendar date at ``moment`` in ``time_zone`` (DESIGN "Permit number")."""
    return moment.astimezone(ZoneInfo(time_zone)).date()


def check_office(data: OfficeData) -> list[Problem]:
    """The office's own fields: an 8-digit code, a name, a time zone; a regional
    administration has no parent; a customs has a regional administration or reports to
    the FTS directly, not both (Permit rules p.1); a post belongs to a customs."""
    problems: list[Problem] = []
    if error := customs_office_code_error(data.code):
        problems.append(Problem("INVALID_CUSTOMS_OFFICE_CODE", error, ("code",)))
    if not data.name.strip():
        problems.append(Problem("REQUIRED", "the office's name is required", ("name",)))
    if error := time_zone_error(data.time_zone):
        problems.append(Problem("INVALID_TIME_ZONE", error, ("timeZone",)))
    if data.parent_code is not None and (error := customs_office_code_error(data.parent_code)):
        problems.append(Problem("INVALID_CUSTOMS_OFFICE_CODE", error, ("parentCode",)))
    if data.parent_code is not None and data.parent_code == data.code:
        problems.append(
            Problem("INVALID_PARENT", "an office cannot be its own parent", ("parentCode",))
        )
    if data.kind is OfficeKind.REGIONAL_ADMINISTRATION:
        if data.parent_code is not None:
            problems.append(
                Problem(
                    "INVALID_PARENT",
                    "a regional customs administration reports to the FTS and has no parent",
                    ("parentCode",),
                )
            )
    elif data.kind is OfficeKind.CUSTOMS:
        if (data.parent_code is None) != data.reports_to_fts:
            problems.append(
                Problem(
                    "PARENT_OR_FTS",
                    "a customs either is under a regional customs administration (parentCode) "
                    "or reports directly to the FTS (reportsToFts), exactly one of the two",
                    ("parentCode",),
                )
            )
    else:
        if data.parent_code is None:
            problems.append(
                Problem("REQUIRED", "a customs post names its customs", ("parentCode",))
            )
        if data.reports_to_fts:
            problems.append(
                Problem(
                    "PARENT_OR_FTS", "a customs post does not report to the FTS", ("reportsToFts",)
                )
            )
    return problems


async def issuing_header(
    db: AsyncDatabase[Document],
    session: AsyncClientSession | None,
    code: str,
    field: FieldPath,
) -> tuple[Header, str]:
    """The permit header of the customs ``code`` from the reference data (Permit rules
    p.1), and the customs' time zone.  Refuses an unknown office, and an office that is
    not a customs (a regional administration or a post does not issue permits)."""
    office = await db.customs_offices.find_one({"code": code}, session=session)
    if office is None:
        raise RuleViolation(
            [
                Problem(
                    "CUSTOMS_OFFICE_NOT_FOUND",
                    f"no customs office {code} in the reference data",
                    field,
                )
            ]
        )
    if office["kind"] != OfficeKind.CUSTOMS:
        raise RuleViolation(
            [
                Problem(
                    "NOT_AN_ISSUING_CUSTOMS",
                    f"{code} ({office['name']}) is a {office['kind'].lower().replace('_', ' ')}; "
                    "permits are issued by a customs",
                    field,
                )
            ]
        )
    if office["reportsToFts"]:
        return Header(code, office["name"], reports_to_fts=True), office["timeZone"]
    parent = await db.customs_offices.find_one({"code": office["parentCode"]}, session=session)
    if parent is None:  # pragma: no cover - saveCustomsOffice keeps parents in place
        raise RuleViolation(
            [
                Problem(
                    "CUSTOMS_OFFICE_NOT_FOUND",
                    f"the regional administration {office['parentCode']} of {code} is missing",
                    field,
                )
            ]
        )
    header = Header(code, office["name"], parent["code"], parent["name"], reports_to_fts=False)
    return header, office["timeZone"]


class CustomsOffices:
    """Officers' edits of the reference data, idempotent per API key."""

    def __init__(
        self,
        client: AsyncMongoClient[Document],
        db: AsyncDatabase[Document],
        principal: Principal,
        now: datetime,
    ) -> None:
        self.client = client
        self.db = db
        self.principal = principal
        self.now = now

    async def save(self, key: str, data: OfficeData) -> Outcome:
        """Add an office or replace an existing one's fields (matched by code)."""
        if not key.strip():
            return Outcome(
                None, [Problem("REQUIRED", "idempotencyKey is required", ("idempotencyKey",))]
            )
        if problems := check_office(data):
            return Outcome(None, problems)

        async def work(session: AsyncClientSession) -> Document:
            if data.parent_code is not None:
                parent = await self.db.customs_offices.find_one(
                    {"code": data.parent_code}, session=session
                )
                wanted = _PARENT_KIND[data.kind]
                if parent is None or parent["kind"] != wanted:
                    raise RuleViolation(
                        [
                            Problem(
                                "INVALID_PARENT",
                                f"the parent {data.parent_code} must be an existing "
                                f"{wanted.lower().replace('_', ' ')}",
                                ("parentCode",),
                            )
                        ]
                    )
            existing = await self.db.customs_offices.find_one({"code": data.code}, session=session)
            fields = {
                "name": data.name.strip(),
                "kind": data.kind.value,
                "parentCode": data.parent_code,
                "reportsToFts": data.kind is OfficeKind.REGIONAL_ADMINISTRATION
                or data.reports_to_fts,
                "timeZone": data.time_zone,
                "updatedAt": self.now,
                "updatedBy": {"keyId": self.principal.key_id, "name": self.principal.name},
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
            if existing["kind"] != data.kind.value:
                child = await self.db.customs_offices.find_one(
                    {"parentCode": data.code}, session=session
                )
                if child is not None:
                    raise RuleViolation(
                        [
                            Problem(
                                "OFFICE_HAS_SUBORDINATES",
                                f"{child['code']} ({child['name']}) is under this office; its "
                                "kind cannot change",
                                ("kind",),
                            )
                        ]
                    )
            result = await self.db.customs_offices.update_one(
                {"_id": existing["_id"], "version": existing["version"]},
                {"$set": {**fields, "sample": False, "version": existing["version"] + 1}},
                session=session,
            )
            if result.matched_count != 1:
                raise ConcurrentUpdate
            return {"code": data.code}

        return await idempotent(
            self.client,
            self.db,
            scope=self.principal.key_id,
            key=key,
            operation="saveCustomsOffice",
            content=asdict(data),
            now=self.now,
            work=work,
            key_field="idempotencyKey",
        )
