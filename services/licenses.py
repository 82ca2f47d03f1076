"""The licence feed (Order 1907 p.2-3): register, amend, suspend, resume, terminate.

Every message is idempotent by its message id (scoped to the feed, so EAIS resending a
message through another key still has one effect) and kept in the licence's history
with who sent it and when, in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from api.auth import Principal
from domain.licences import (
    ControlMode,
    LicenseEvent,
    LicenseStatus,
    LineData,
    check_country,
    check_holder,
    check_lines,
    check_validity,
    licence_is_exhausted,
    line_available,
    line_is_exhausted,
    status_after,
)
from domain.problems import Problem, RuleViolation
from services.transactions import ConcurrentUpdate, Outcome, canonical, content_hash, idempotent

Document = dict[str, Any]
FEED_SCOPE = "license-feed"


@dataclass(frozen=True)
class Party:
    name: str
    inn: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Registration:
    """A licence as the feed registers it."""

    number: str
    type: str
    direction: str
    issuing_authority: str
    holder: Party
    valid_from: date
    valid_to: date
    lines: list[LineData]
    counterparty: Party | None = None
    control_mode: ControlMode = ControlMode.ELECTRONIC


@dataclass(frozen=True)
class Amendment:
    """Fields an amendment changes; None = unchanged.  Lines are matched by number:
    a known number is replaced (its figures kept), a new number is added."""

    number: str
    valid_from: date | None = None
    valid_to: date | None = None
    holder: Party | None = None
    counterparty: Party | None = None
    lines: list[LineData] = field(default_factory=list)


@dataclass(frozen=True)
class StatusMessage:
    """Suspension, resumption or termination of a licence (Order 1907 p.9)."""

    number: str
    reason: str
    decision_date: date | None = None


def as_datetime(day: date) -> datetime:
    """Dates are stored as UTC midnight (BSON has no date-only type)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _line_document(line: LineData, previous: Document | None) -> Document:
    accounted = previous["accounted"] if previous else Decimal(0)
    released = previous["released"] if previous else Decimal(0)
    value_accounted = (previous or {}).get("valueAccounted") or Decimal(0)
    value_released = (previous or {}).get("valueReleased") or Decimal(0)
    has_value = line.value_limit is not None
    return {
        "lineNo": line.line_no,
        "name": line.name.strip(),
        "hsCode": line.hs_code,
        "unit": line.unit,
        "quantityLimit": line.quantity_limit,
        "accounted": accounted,
        "released": released,
        "available": line_available(line.quantity_limit, accounted),
        "valueLimit": line.value_limit,
        "valueAccounted": value_accounted if has_value else None,
        "valueReleased": value_released if has_value else None,
        "valueAvailable": (
            line_available(line.value_limit, value_accounted)
            if line.value_limit is not None
            else None
        ),
        "currency": line.currency,
    }


def _exhausted(lines: list[Document]) -> bool:
    return licence_is_exhausted(
        [line_is_exhausted(li["available"], li["valueAvailable"], li["valueLimit"]) for li in lines]
    )


def _party(party: Party | None) -> Document | None:
    if party is None:
        return None
    doc: Document = {"name": party.name.strip()}
    if party.inn is not None:
        doc["inn"] = party.inn
    if party.country is not None:
        doc["country"] = party.country
    return doc


def check_registration(reg: Registration) -> list[Problem]:
    """Every rule a registration must pass before anything is written."""
    problems: list[Problem] = []
    if not reg.number.strip():
        problems.append(Problem("REQUIRED", "the licence number is required", ("number",)))
    if not reg.issuing_authority.strip():
        problems.append(
            Problem("REQUIRED", "the issuing authority is required", ("issuingAuthority",))
        )
    problems += check_holder(reg.holder.inn or "", reg.holder.name)
    if reg.counterparty is not None:
        problems += check_country(reg.counterparty.country)
    problems += check_validity(reg.valid_from, reg.valid_to)
    problems += check_lines(reg.lines)
    return problems


def check_amendment(amendment: Amendment) -> list[Problem]:
    problems: list[Problem] = []
    if (
        amendment.valid_from is None
        and amendment.valid_to is None
        and amendment.holder is None
        and amendment.counterparty is None
        and not amendment.lines
    ):
        problems.append(Problem("NOTHING_TO_AMEND", "the amendment changes nothing"))
    if amendment.holder is not None:
        problems += check_holder(amendment.holder.inn or "", amendment.holder.name)
    if amendment.counterparty is not None:
        problems += check_country(amendment.counterparty.country)
    problems += check_lines(amendment.lines, require_some=False)
    return problems


class LicenseFeed:
    """The use cases of the licence feed, bound to one database and one request moment."""

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

    async def _history(
        self,
        session: AsyncClientSession,
        license_id: ObjectId,
        seq: int,
        kind: LicenseEvent,
        message_id: str,
        payload: Any,
    ) -> None:
        await self.db.license_history.insert_one(
            {
                "licenseId": license_id,
                "seq": seq,
                "kind": kind.value,
                "messageId": message_id,
                "sentBy": {"keyId": self.principal.key_id, "name": self.principal.name},
                "receivedAt": self.now,
                "payload": canonical(payload),
            },
            session=session,
        )

    async def register(self, message_id: str, reg: Registration) -> Outcome:
        """Order 1907 p.2-3: a licence arrives from EAIS.  A resend of the same
        registration under a new message id returns the licence; other content under a
        number already registered is refused."""
        if problems := check_registration(reg):
            return Outcome(None, problems)
        digest = content_hash("registerLicense", asdict(reg))

        async def work(session: AsyncClientSession) -> Document:
            existing = await self.db.licenses.find_one({"number": reg.number}, session=session)
            if existing is not None:
                if existing.get("registrationHash") == digest:
                    return {"licenseId": existing["_id"]}
                raise RuleViolation(
                    [
                        Problem(
                            "NUMBER_ALREADY_REGISTERED",
                            f"licence {reg.number} is already registered with other content; "
                            "send changes as an amendment",
                            ("number",),
                        )
                    ]
                )
            lines = [_line_document(line, None) for line in reg.lines]
            doc: Document = {
                "number": reg.number,
                "type": reg.type,
                "direction": reg.direction,
                "issuingAuthority": reg.issuing_authority.strip(),
                "holder": _party(reg.holder),
                "counterparty": _party(reg.counterparty),
                "validFrom": as_datetime(reg.valid_from),
                "validTo": as_datetime(reg.valid_to),
                "controlMode": reg.control_mode.value,
                "status": LicenseStatus.ACTIVE.value,
                "exhausted": _exhausted(lines),
                "lines": lines,
                "version": 1,
                "registrationHash": digest,
                "registeredAt": self.now,
                "updatedAt": self.now,
            }
            try:
                inserted = await self.db.licenses.insert_one(doc, session=session)
            except DuplicateKeyError:
                raise ConcurrentUpdate from None  # registered meanwhile: decide again
            await self._history(
                session, inserted.inserted_id, 1, LicenseEvent.REGISTERED, message_id, asdict(reg)
            )
            return {"licenseId": inserted.inserted_id}

        return await self._idempotent(message_id, "registerLicense", asdict(reg), work)

    async def _idempotent(
        self, message_id: str, operation: str, content: Any, work: Any
    ) -> Outcome:
        if not message_id.strip():
            return Outcome(None, [Problem("REQUIRED", "messageId is required", ("messageId",))])
        return await idempotent(
            self.client,
            self.db,
            scope=FEED_SCOPE,
            key=message_id,
            operation=operation,
            content=content,
            now=self.now,
            work=work,
        )

    async def _change(
        self,
        session: AsyncClientSession,
        number: str,
        event: LicenseEvent,
        message_id: str,
        payload: Any,
        build_update: Any,
    ) -> Document:
        """Read the licence, let ``build_update`` compute the ``$set``, write it guarded by
        the version read, and add the history entry: one transaction."""
        current = await self.db.licenses.find_one({"number": number}, session=session)
        if current is None:
            raise RuleViolation(
                [Problem("LICENSE_NOT_FOUND", f"no licence {number} is registered", ("number",))]
            )
        status = status_after(LicenseStatus(current["status"]), event)
        if isinstance(status, Problem):
            raise RuleViolation([status])
        changes: Document = build_update(current)
        changes.update(status=status.value, updatedAt=self.now, version=current["version"] + 1)
        updated = await self.db.licenses.find_one_and_update(
            {"_id": current["_id"], "version": current["version"]},
            {"$set": changes},
            session=session,
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise ConcurrentUpdate
        await self._history(session, current["_id"], updated["version"], event, message_id, payload)
        return {"licenseId": current["_id"]}

    async def amend(self, message_id: str, amendment: Amendment) -> Outcome:
        """Order 1907 p.3: amended licence data.  Authoritative: never refused because of
        figures; a limit lowered below what is accounted leaves a negative ``available``
        (shown as excess) and blocks new accounting on that line (DESIGN)."""
        if problems := check_amendment(amendment):
            return Outcome(None, problems)

        def build(current: Document) -> Document:
            changes: Document = {}
            valid_from = amendment.valid_from or current["validFrom"].date()
            valid_to = amendment.valid_to or current["validTo"].date()
            if problems := check_validity(valid_from, valid_to):
                raise RuleViolation(problems)
            changes["validFrom"] = as_datetime(valid_from)
            changes["validTo"] = as_datetime(valid_to)
            if amendment.holder is not None:
                changes["holder"] = _party(amendment.holder)
            if amendment.counterparty is not None:
                changes["counterparty"] = _party(amendment.counterparty)
            lines = {li["lineNo"]: li for li in current["lines"]}
            for line in amendment.lines:
                lines[line.line_no] = _line_document(line, lines.get(line.line_no))
            changes["lines"] = [lines[n] for n in sorted(lines)]
            changes["exhausted"] = _exhausted(changes["lines"])
            return changes

        async def work(session: AsyncClientSession) -> Document:
            return await self._change(
                session,
                amendment.number,
                LicenseEvent.AMENDED,
                message_id,
                asdict(amendment),
                build,
            )

        return await self._idempotent(message_id, "amendLicense", asdict(amendment), work)

    async def set_status(self, message_id: str, event: LicenseEvent, msg: StatusMessage) -> Outcome:
        """Order 1907 p.9: suspension and termination take effect for accounting and
        release at once; resumption lifts a suspension."""
        if not msg.reason.strip():
            return Outcome(None, [Problem("REQUIRED", "a reason is required", ("reason",))])

        async def work(session: AsyncClientSession) -> Document:
            return await self._change(
                session, msg.number, event, message_id, asdict(msg), lambda _current: {}
            )

        return await self._idempotent(
            message_id, f"{event.value.lower()}License", asdict(msg), work
        )
