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

from domain.access import Principal
from domain.accounting import LineFigures, Movement, Operation
from domain.licenses import (
    ControlMode,
    LicenseEvent,
    LicenseStatus,
    LineData,
    check_country,
    check_holder,
    check_lines,
    check_validity,
    license_state,
    status_after,
)
from domain.problems import Problem, RuleViolation
from services.ledger import apply_to_lines, exhausted, figures_of, with_figures
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


def _limit_movement(number: str, line: LineData, previous: Document | None) -> Movement:
    """LIMIT_CHANGE bringing a line's limits from ``previous`` (or zero) to ``line``'s:
    the ledger records limits too, so every figure is a sum of entries."""
    old_quantity = previous["quantityLimit"] if previous else Decimal(0)
    old_value = (previous or {}).get("valueLimit")
    value = None
    if line.value_limit is not None:
        value = line.value_limit - (old_value or Decimal(0))
    quantity = line.quantity_limit - old_quantity
    return Movement(Operation.LIMIT_CHANGE, number, line.line_no, quantity, value)


def _line_document(line: LineData, previous: Document | None, *, zero: bool = False) -> Document:
    """The stored line: descriptive fields from ``line``, figures as ``previous`` had them
    (zero for a new line); the limits are then moved by the ledger (LIMIT_CHANGE)."""
    figures = LineFigures(value_limit=None if line.value_limit is None else Decimal(0))
    if previous is not None and not zero:
        figures = figures_of(previous)
    described = {
        "lineNo": line.line_no,
        "name": line.name.strip(),
        "hsCode": line.hs_code,
        "unit": line.unit,
        "currency": line.currency,
    }
    return with_figures(described, figures)


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
            license_id = ObjectId()
            write = apply_to_lines(
                license_id,
                reg.number,
                [_line_document(line, None, zero=True) for line in reg.lines],
                0,
                None,
                [_limit_movement(reg.number, line, None) for line in reg.lines],
                self.now,
            )
            doc: Document = {
                "_id": license_id,
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
                "exhausted": exhausted(write.lines),
                "state": license_state(LicenseStatus.ACTIVE, exhausted(write.lines)),
                "lines": write.lines,
                "version": 1,
                "ledgerSeq": write.seq,
                "ledgerHash": write.head,
                "registrationHash": digest,
                "registeredAt": self.now,
                "updatedAt": self.now,
            }
            try:
                inserted = await self.db.licenses.insert_one(doc, session=session)
            except DuplicateKeyError:
                raise ConcurrentUpdate from None  # registered meanwhile: decide again
            await self.db.ledger.insert_many(write.entries, session=session)
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
        changes, entries = build_update(current)
        changes.update(status=status.value, updatedAt=self.now, version=current["version"] + 1)
        reported = changes.get("exhaustionReported", current.get("exhaustionReported", False))
        used_up = changes.get("exhausted", current["exhausted"])
        changes["state"] = license_state(status, used_up or reported)
        updated = await self.db.licenses.find_one_and_update(
            {
                "_id": current["_id"],
                "version": current["version"],
                "ledgerSeq": current.get("ledgerSeq", 0),
            },
            {"$set": changes},
            session=session,
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise ConcurrentUpdate
        if entries:
            await self.db.ledger.insert_many(entries, session=session)
        await self._history(session, current["_id"], updated["version"], event, message_id, payload)
        return {"licenseId": current["_id"]}

    async def amend(self, message_id: str, amendment: Amendment) -> Outcome:
        """Order 1907 p.3: amended licence data.  Authoritative: never refused because of
        figures; a limit lowered below what is accounted leaves a negative ``available``
        (shown as excess) and blocks new accounting on that line (DESIGN)."""
        if problems := check_amendment(amendment):
            return Outcome(None, problems)

        def build(current: Document) -> tuple[Document, list[Document]]:
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
            movements = []
            for index, line in enumerate(amendment.lines):
                previous = lines.get(line.line_no)
                if previous and previous["unit"] != line.unit and previous["accounted"] != 0:
                    raise RuleViolation(
                        [
                            Problem(
                                "UNIT_CHANGE_WITH_ACCOUNTING",
                                f"line {line.line_no} has {previous['accounted']} accounted in "
                                f"unit {previous['unit']}; its unit cannot change",
                                ("lines", index, "unit"),
                            )
                        ]
                    )
                lines[line.line_no] = _line_document(line, previous)
                movement = _limit_movement(amendment.number, line, previous)
                if movement.quantity != 0 or movement.value:
                    movements.append(movement)
            write = apply_to_lines(
                current["_id"],
                current["number"],
                [lines[n] for n in sorted(lines)],
                current.get("ledgerSeq", 0),
                current.get("ledgerHash"),
                movements,
                self.now,
            )
            changes.update(
                lines=write.lines,
                ledgerSeq=write.seq,
                ledgerHash=write.head,
                exhausted=exhausted(write.lines),
            )
            return changes, write.entries

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

        changes: Document = {}
        if event is LicenseEvent.EXHAUSTION_REPORTED:
            changes = {"exhaustionReported": True}

        async def work(session: AsyncClientSession) -> Document:
            return await self._change(
                session, msg.number, event, message_id, asdict(msg), lambda _: (changes, [])
            )

        return await self._idempotent(
            message_id, f"{event.value.lower()}License", asdict(msg), work
        )
