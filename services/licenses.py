"""The licence feed (Order 1907 p.2-3): register, amend, suspend, resume, terminate.

Every message is idempotent by its message id (scoped to the feed, so EAIS resending a
message through another key still has one effect) and kept in the licence's history
with who sent it and when, in the same transaction as the change.  The rules are
:mod:`domain.licenses`'; this module reads, asks them, and writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from domain.accounting import Movement, Operation
from domain.licenses import (
    Amendment,
    LicenseEvent,
    LicenseStatus,
    LimitChange,
    Registration,
    StatusMessage,
    amended_limits,
    amended_validity,
    check_amendment,
    check_registered_again,
    check_registration,
    check_status_message,
    license_state,
    limit_change,
    registered,
    status_after,
)
from domain.problems import RuleViolation
from services.base import Document, Service, Work
from services.documents import as_datetime
from services.documents.licenses import license_facts, line_doc, party_doc
from services.ledger import apply_to_lines, exhausted
from services.transactions import ConcurrentUpdate, Outcome, canonical, content_hash

FEED_SCOPE = "license-feed"
#: What a message does to the licence read: the ``$set`` and the ledger entries to add.
Update = Callable[[Document], tuple[Document, list[Document]]]


def _movement(number: str, change: LimitChange) -> Movement:
    return Movement(Operation.LIMIT_CHANGE, number, change.line_no, change.quantity, change.value)


class LicenseFeed(Service):
    """The use cases of the licence feed."""

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
                "sentBy": self.by(),
                "receivedAt": self.now,
                "payload": canonical(payload),
            },
            session=session,
        )

    async def _run(
        self, message_id: str, operation: str, number: str, message: Any, work: Work
    ) -> Outcome:
        """One feed message, once per message id, queued with the other writers of its
        licence."""
        return await self.run(
            message_id,
            operation,
            asdict(message),
            work,
            key_field="messageId",
            queue=[number],
            scope=FEED_SCOPE,
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
                same = existing.get("registrationHash") == digest
                if problems := check_registered_again(reg.number, same):
                    raise RuleViolation(problems)
                return {"licenseId": existing["_id"]}
            license_id = ObjectId()
            write = apply_to_lines(
                license_id,
                reg.number,
                [line_doc(line, None) for line in reg.lines],
                0,
                None,
                [_movement(reg.number, limit_change(line, None)) for line in reg.lines],
                self.now,
            )
            used_up = exhausted(write.lines)
            doc: Document = {
                "_id": license_id,
                "number": reg.number,
                "type": reg.type,
                "direction": reg.direction,
                "issuingAuthority": reg.issuing_authority.strip(),
                "holder": party_doc(reg.holder),
                "counterparty": party_doc(reg.counterparty),
                "validFrom": as_datetime(reg.valid_from),
                "validTo": as_datetime(reg.valid_to),
                "controlMode": reg.control_mode.value,
                "status": LicenseStatus.ACTIVE.value,
                "exhausted": used_up,
                "state": license_state(LicenseStatus.ACTIVE, used_up),
                "lines": write.lines,
                "version": 1,
                "ledgerSeq": write.seq,
                "ledgerHash": write.head,
                "registrationHash": digest,
                "registeredAt": self.now,
                "updatedAt": self.now,
            }
            try:
                await self.db.licenses.insert_one(doc, session=session)
            except DuplicateKeyError:
                raise ConcurrentUpdate from None  # registered meanwhile: decide again
            await self.db.ledger.insert_many(write.entries, session=session)
            await self._history(
                session, license_id, 1, LicenseEvent.REGISTERED, message_id, asdict(reg)
            )
            return {"licenseId": license_id}

        return await self._run(message_id, "registerLicense", reg.number, reg, work)

    async def _change(
        self,
        session: AsyncClientSession,
        number: str,
        event: LicenseEvent,
        message_id: str,
        payload: Any,
        build_update: Update,
    ) -> Document:
        """Read the licence, let ``build_update`` compute the ``$set``, write it guarded by
        the version read, and add the history entry: one transaction."""
        current = registered(
            number, await self.db.licenses.find_one({"number": number}, session=session)
        )
        status = status_after(LicenseStatus(current["status"]), event)
        changes, entries = build_update(current)
        changes.update(status=status.value, updatedAt=self.now, version=current["version"] + 1)
        reported = changes.get("exhaustionReported", current.get("exhaustionReported", False))
        used_up = changes.get("exhausted", current["exhausted"])
        changes["state"] = license_state(status, bool(used_up or reported))
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
            valid_from, valid_to = amended_validity(
                amendment, current["validFrom"].date(), current["validTo"].date()
            )
            changes: Document = {
                "validFrom": as_datetime(valid_from),
                "validTo": as_datetime(valid_to),
            }
            if amendment.holder is not None:
                changes["holder"] = party_doc(amendment.holder)
            if amendment.counterparty is not None:
                changes["counterparty"] = party_doc(amendment.counterparty)
            on_record = {line.line_no: line for line in license_facts(current).lines}
            limits = amended_limits(amendment.lines, on_record)
            lines = {li["lineNo"]: li for li in current["lines"]}
            for line in amendment.lines:
                lines[line.line_no] = line_doc(line, lines.get(line.line_no))
            write = apply_to_lines(
                current["_id"],
                current["number"],
                [lines[n] for n in sorted(lines)],
                current.get("ledgerSeq", 0),
                current.get("ledgerHash"),
                [_movement(amendment.number, change) for change in limits],
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

        return await self._run(message_id, "amendLicense", amendment.number, amendment, work)

    async def set_status(self, message_id: str, event: LicenseEvent, msg: StatusMessage) -> Outcome:
        """Order 1907 p.9: suspension and termination take effect for accounting and
        release at once; resumption lifts a suspension."""
        if problems := check_status_message(msg):
            return Outcome(None, problems)

        changes: Document = {}
        if event is LicenseEvent.EXHAUSTION_REPORTED:
            changes = {"exhaustionReported": True}

        async def work(session: AsyncClientSession) -> Document:
            return await self._change(
                session, msg.number, event, message_id, asdict(msg), lambda _: (changes, [])
            )

        operation = f"{event.value.lower()}License"
        return await self._run(message_id, operation, msg.number, msg, work)
