"""Licensed goods control (Order 1907 p.4-13): the use cases of declarations.

Each operation runs in one transaction (:meth:`services.base.Service.run`, idempotent by
a key scoped to the API key, queued per licence it cites): it loads the declaration and
its facts (:mod:`services.declaration_facts`), asks :mod:`domain` for the decision, and
writes the new figures, the ledger entries, the accounting notification and the
declaration's new state together, all or nothing.  The stored shapes are
:mod:`services.documents`'.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from domain.accounting import (
    ALREADY_WRITTEN_OFF,
    AutoOutcome,
    Ground,
    Movement,
    Notice,
    Preview,
    accounting_blockers,
    accounting_notice,
    accounting_required,
    automatic_decision,
    check_accounting,
    check_grounds_named,
    control_case,
    established_grounds,
    license_unknown,
    plan_accounting,
    plan_annulment,
    plan_correction,
    plan_release,
    preview,
    refusal_grounds,
    release_blockers,
)
from domain.declarations import (
    DeclarationData,
    DeclarationKind,
    DeclarationStatus,
    ItemData,
    check_automatic_mode,
    check_correction,
    check_deadline_extension,
    check_declarant,
    check_declaration,
    check_draft,
    check_items,
    check_refusal,
    check_refusal_statement,
    check_same_registration,
    check_statement,
    check_temporary,
    check_withdrawal,
    declaration_not_found,
    extend_release_deadline,
    release_deadline,
    status_after_control,
)
from domain.problems import Problem, RuleViolation
from services.access import Owned
from services.base import Document, Service
from services.declaration_facts import Facts, load_facts
from services.documents.declarations import (
    accounting_doc,
    accounting_notified,
    cited_licenses,
    control_doc,
    declaration_doc,
    declaration_facts,
    discrepancy_doc,
    extension_doc,
    filed_doc,
    handed_over_doc,
    is_covered,
    item_doc,
    kind_of,
    refusal_doc,
    revision_doc,
    status_change_doc,
    status_of,
    temporary_facts,
    trace_docs,
    withdrawal_doc,
)
from services.documents.notifications import notification_doc
from services.ledger import PERMIT_TABLE3, write_movements
from services.permits import Permits
from services.transactions import ConcurrentUpdate, Outcome, content_hash

_S = DeclarationStatus
Work = Callable[[AsyncClientSession, Document], Awaitable[Document]]


class Declarations(Service):
    """The use cases of Order 1907 p.4-13, bound to one request."""

    # helpers ---------------------------------------------------------------------------

    async def _facts(
        self, session: AsyncClientSession | None, doc: Document, *, everything: bool = False
    ) -> Facts:
        """The facts of ``doc`` now, as the principal's access lets it see them (a
        DECLARANT's control sees another holder's licence as one never received), or
        with ``everything`` for bookkeeping on what was already accounted."""
        access = None if everything else self.access
        return await load_facts(self.db, doc, session, self.now, access)

    async def _run(
        self, key: str, operation: str, content: Any, work: Work, number: str
    ) -> Outcome:
        """Idempotently run ``work`` on declaration ``number`` (one the principal sees)
        in one transaction, in line behind the other writers of the licences it cites."""

        async def transaction(session: AsyncClientSession) -> Document:
            query = {"number": number, **self.access.filter(Owned.DECLARATION)}
            doc = await self.db.declarations.find_one(query, session=session)
            if doc is None:
                raise RuleViolation([declaration_not_found(number)])
            return await work(session, doc)

        cited = None
        if self.config.queue_license_writes:
            cited = await self.db.declarations.find_one(
                {"number": number, **self.access.filter(Owned.DECLARATION)},
                {"items.licenseNumber": 1},
            )
        queue = cited_licenses(cited or {})
        return await self.run(key, operation, content, transaction, queue=queue)

    async def _save(
        self,
        session: AsyncClientSession,
        doc: Document,
        changes: Document,
        status: DeclarationStatus | None = None,
        reason: str | None = None,
    ) -> Document:
        """Store ``changes`` guarded by the version read (and the new status with its
        history entry)."""
        update: Document = {
            "$set": {**changes, "version": doc["version"] + 1, "updatedAt": self.now}
        }
        if status is not None:
            update["$set"]["status"] = status.value
            update["$push"] = {
                "statusHistory": status_change_doc(status, self.now, self.by(), reason)
            }
        result = await self.db.declarations.update_one(
            {"_id": doc["_id"], "version": doc["version"]}, update, session=session
        )
        if result.matched_count != 1:
            raise ConcurrentUpdate
        return {"declarationId": doc["_id"]}

    async def _write(
        self,
        session: AsyncClientSession,
        facts: Facts,
        movements: Sequence[Movement],
        notice: Notice,
        *,
        notify_empty: bool = False,
    ) -> ObjectId | None:
        """Write ``movements`` licence by licence, and the notification of them (p.10);
        with ``notify_empty`` the notification is issued even when nothing moves (a full
        declaration equal to its temporary ones is still actualised, p.12)."""
        if not movements and not notify_empty:
            return None
        doc = facts.declaration
        refs = {"declarationId": doc["_id"], "revision": doc["revision"]}
        by_license: dict[str, list[Movement]] = {}
        for m in movements:
            by_license.setdefault(m.license_number, []).append(m)
        for number in sorted(by_license):
            try:
                if number in facts.permits:  # DESIGN Part B: a permit's table 3
                    facts.permits[number] = await write_movements(
                        self.db,
                        session,
                        facts.permits[number],
                        by_license[number],
                        self.now,
                        refs,
                        PERMIT_TABLE3,
                    )
                    continue
                license = facts.licenses.get(number)
                if license is None:
                    raise RuleViolation([license_unknown(number)])
                facts.licenses[number] = await write_movements(
                    self.db, session, license, by_license[number], self.now, refs
                )
            except DuplicateKeyError:
                raise RuleViolation([ALREADY_WRITTEN_OFF]) from None
        notification = notification_doc(notice, doc, movements, facts.permits, self.now, self.by())
        await self.db.notifications.insert_one(notification, session=session)
        notification_id: ObjectId = notification["_id"]
        return notification_id

    # register ----------------------------------------------------------------------------

    async def register(self, key: str, data: DeclarationData) -> Outcome:
        """Registration (Order 1907 p.5): the release deadline starts (DESIGN); a full
        declaration takes over its temporary ones (p.12)."""
        if problems := check_declaration(data) + check_declarant(
            self.principal, data.declarant_inn
        ):
            return Outcome(None, problems)
        digest = content_hash("registerDeclaration", asdict(data))

        async def work(session: AsyncClientSession) -> Document:
            existing = await self.db.declarations.find_one({"number": data.number}, session=session)
            if existing is not None:
                RuleViolation.raise_if(
                    check_same_registration(data.number, existing.get("registrationHash"), digest)
                )
                return {"declarationId": existing["_id"]}
            declaration_id = ObjectId()
            await self._take_temporaries(session, data, declaration_id)
            doc = declaration_doc(
                data,
                declaration_id,
                at=self.now,
                release_deadline=release_deadline(self.now, self.config.release_hours),
                registration_hash=digest,
                by=self.by(),
            )
            try:
                await self.db.declarations.insert_one(doc, session=session)
            except DuplicateKeyError:
                raise ConcurrentUpdate from None
            revision = revision_doc(
                declaration_id, 1, doc["items"], self.now, self.by(), "registration"
            )
            await self.db.declaration_revisions.insert_one(revision, session=session)
            return {"declarationId": declaration_id}

        return await self.run(key, "registerDeclaration", asdict(data), work)

    async def _take_temporaries(
        self, session: AsyncClientSession, data: DeclarationData, full_id: ObjectId
    ) -> None:
        """Order 1907 p.12: the full declaration covers the temporary ones it completes
        (``check_temporary``)."""
        problems: list[Problem] = []
        for index, number in enumerate(data.temporary_numbers):
            # another holder's temporary declaration is, for a DECLARANT, none at all
            query = {"number": number, **self.access.filter(Owned.DECLARATION)}
            temp = await self.db.declarations.find_one(query, session=session)
            temporary = None if temp is None else temporary_facts(temp)
            at = ("temporaryDeclarations", index)
            if found := check_temporary(number, temporary, data.declarant_inn, at):
                problems += found
                continue
            assert temp is not None
            result = await self.db.declarations.update_one(
                {"_id": temp["_id"], "coveredBy": None, "version": temp["version"]},
                {"$set": {"coveredBy": full_id}, "$inc": {"version": 1}},
                session=session,
            )
            if result.matched_count != 1:
                raise ConcurrentUpdate
        RuleViolation.raise_if(problems)

    # control -----------------------------------------------------------------------------

    async def control(self, key: str, number: str) -> Outcome:
        """Order 1907 p.6: compare every item with its licence line; store the
        discrepancies (each marked whether it affects prohibitions and restrictions)."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            status = status_of(doc)
            target = status_after_control(status)
            facts = await self._facts(session, doc)
            changes = {
                **control_doc(control_case(facts.case), self.now),
                "controlledRevision": doc["revision"],
            }
            return await self._save(session, doc, changes, target if target != status else None)

        return await self._run(key, "controlDeclaration", {"number": number}, work, number)

    # account -----------------------------------------------------------------------------

    async def account(self, key: str, number: str) -> Outcome:
        """Order 1907 p.7-8, p.10-12: control again on fresh licence data, then write every
        item off (a full declaration: actualise its temporary ones) all or nothing, with
        the accounting notification, in one transaction."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            RuleViolation.raise_if(check_accounting(status_of(doc), declaration_facts(doc)))
            facts = await self._facts(session, doc)
            case = facts.case
            found = control_case(case)
            RuleViolation.raise_if(accounting_blockers(found))
            notice = accounting_notice(case.declaration.kind)
            movements = plan_accounting(case)
            notification = await self._write(session, facts, movements, notice, notify_empty=True)
            changes = {
                **control_doc(found, self.now),
                "accounting": accounting_doc(self.now, notification, self.by()),
            }
            return await self._save(session, doc, changes, _S.ACCOUNTED)

        return await self._run(key, "accountDeclaration", {"number": number}, work, number)

    # release -----------------------------------------------------------------------------

    async def release(self, key: str, number: str) -> Outcome:
        """Order 1907 p.8-10: release only with the accounting notification present, no
        discrepancy affecting restrictions, the licences in force and the deadline not
        passed; the accounted quantity becomes released."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            facts = await self._facts(session, doc)
            case = facts.case
            found = control_case(case)
            blockers = release_blockers(
                status_of(doc),
                found,
                accounting_required=accounting_required(case.declaration),
                accounting_notified=accounting_notified(doc),
                deadline=doc["releaseDeadline"],
                now=self.now,
            )
            RuleViolation.raise_if(blockers)
            await self._write(session, facts, plan_release(facts.own), Notice.RELEASED)
            await self._place(session, facts)
            changes = {"discrepancies": [discrepancy_doc(d) for d in found], "releasedAt": self.now}
            return await self._save(session, doc, changes, _S.RELEASED)

        return await self._run(key, "releaseDeclaration", {"number": number}, work, number)

    async def _place(self, session: AsyncClientSession, facts: Facts) -> None:
        """DESIGN "Term": the release of the first procedure 51 declaration citing a
        permit places the goods; the permit's term starts that day (the issuing office's
        local date) and its end is fixed, in this transaction (Permit rules p.9)."""
        if not facts.permits:
            return
        permits = Permits(self.scope)
        for number in sorted(facts.permits):
            doc = facts.permits[number]
            if doc["term"].get("startDate") is None:
                await permits.fix_term_in(session, doc, permits.today(doc))

    # refusal and withdrawal: annulment (p.4) -----------------------------------------------

    async def _annul(self, session: AsyncClientSession, facts: Facts) -> ObjectId | None:
        return await self._write(session, facts, plan_annulment(facts.own), Notice.ANNULLED)

    async def _uncover(self, session: AsyncClientSession, doc: Document) -> None:
        """A full declaration refused or withdrawn releases its temporary ones (p.12)."""
        if kind_of(doc) is DeclarationKind.FULL:
            await self.db.declarations.update_many(
                {"number": {"$in": doc["temporaryNumbers"]}, "coveredBy": doc["_id"]},
                {"$set": {"coveredBy": None}, "$inc": {"version": 1}},
                session=session,
            )

    async def refuse(self, key: str, number: str, grounds: list[Ground], reason: str) -> Outcome:
        """Order 1907 p.9 and p.4: refusal of release on the grounds named, each of which
        must hold now; everything the declaration accounted is annulled."""
        if problems := check_grounds_named(grounds) + check_refusal_statement(grounds, reason):
            return Outcome(None, problems)

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            RuleViolation.raise_if(check_refusal(status_of(doc), is_covered(doc)))
            facts = await self._facts(session, doc)
            findings = control_case(facts.case)
            found = refusal_grounds(findings, deadline=doc["releaseDeadline"], now=self.now)
            named = established_grounds(grounds, found)
            notification = await self._annul(session, facts)
            await self._uncover(session, doc)
            refusal = refusal_doc(named, reason, self.now, self.by(), notification)
            # the findings the grounds rest on, kept with them (as a release keeps its
            # own): a declarant is shown the grounds from them (services.access)
            changes = {"refusal": refusal, "discrepancies": [discrepancy_doc(d) for d in findings]}
            return await self._save(session, doc, changes, _S.REFUSED, reason)

        content = {"number": number, "grounds": sorted(g.value for g in grounds), "reason": reason}
        return await self._run(key, "refuseRelease", content, work, number)

    async def withdraw(self, key: str, number: str, reason: str) -> Outcome:
        """Order 1907 p.4: withdrawal (only before release, DESIGN) annuls everything the
        declaration accounted."""
        if problems := check_statement(reason):
            return Outcome(None, problems)

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            RuleViolation.raise_if(check_withdrawal(status_of(doc), is_covered(doc)))
            facts = await self._facts(session, doc, everything=True)
            notification = await self._annul(session, facts)
            await self._uncover(session, doc)
            changes = {"withdrawal": withdrawal_doc(reason, self.now, self.by(), notification)}
            return await self._save(session, doc, changes, _S.WITHDRAWN, reason)

        content = {"number": number, "reason": reason}
        return await self._run(key, "withdrawDeclaration", content, work, number)

    # corrections, deadline -----------------------------------------------------------------

    async def correct(self, key: str, number: str, items: list[ItemData], reason: str) -> Outcome:
        """DESIGN "Corrections": a new revision before release; if the declaration is
        accounted, its write-offs are annulled and the corrected items written off in the
        same transaction (the net is the difference), and control runs again (p.6)."""
        if problems := check_items(items) + check_statement(reason):
            return Outcome(None, problems)

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            status = status_of(doc)
            RuleViolation.raise_if(
                check_correction(status, kind_of(doc), is_covered(doc), doc["procedure"], items)
            )
            revision = doc["revision"] + 1
            corrected = {**doc, "items": [item_doc(i) for i in items], "revision": revision}
            facts = await self._facts(session, corrected)
            if status is _S.ACCOUNTED:
                await self._write(session, facts, plan_correction(facts.case), Notice.ACCOUNTED)
                facts = await self._facts(session, corrected)
            found = control_case(facts.case)
            await self.db.declaration_revisions.insert_one(
                revision_doc(doc["_id"], revision, corrected["items"], self.now, self.by(), reason),
                session=session,
            )
            changes = {
                "items": corrected["items"],
                "revision": revision,
                **control_doc(found, self.now),
                "controlledRevision": revision,
            }
            target = status_after_control(status)
            return await self._save(session, doc, changes, target if target != status else None)

        content = {"number": number, "items": [asdict(i) for i in items], "reason": reason}
        return await self._run(key, "correctDeclaration", content, work, number)

    async def extend_deadline(self, key: str, number: str, hours: int, reason: str) -> Outcome:
        """DESIGN "Release deadline": an officer extends it by whole hours with a reason."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            RuleViolation.raise_if(check_deadline_extension(status_of(doc), hours, reason))
            deadline = extend_release_deadline(doc["releaseDeadline"], hours)
            extension = extension_doc(hours, reason, self.now, self.by(), deadline)
            result = await self.db.declarations.update_one(
                {"_id": doc["_id"], "version": doc["version"]},
                {
                    "$set": {"releaseDeadline": deadline, "version": doc["version"] + 1},
                    "$push": {"deadlineExtensions": extension},
                },
                session=session,
            )
            if result.matched_count != 1:
                raise ConcurrentUpdate
            return {"declarationId": doc["_id"]}

        content = {"number": number, "hours": hours, "reason": reason}
        return await self._run(key, "extendReleaseDeadline", content, work, number)

    # automatic mode (p.13) ------------------------------------------------------------------

    async def automatic(self, key: str, number: str) -> Outcome:
        """Order 1907 p.13: control, accounting and the release decision with no officer,
        in one transaction, with a trace of each step.  DESIGN: it releases when every
        check passes and otherwise hands the declaration to an officer; never refuses."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            RuleViolation.raise_if(check_automatic_mode(status_of(doc)))
            facts = await self._facts(session, doc)
            case = facts.case
            decision = automatic_decision(case, deadline=doc["releaseDeadline"], now=self.now)
            changes: Document = {
                "autoTrace": trace_docs(decision.trace, self.now),
                **control_doc(control_case(case), self.now),
            }
            if decision.outcome is AutoOutcome.HAND_TO_OFFICER:
                changes["handedToOfficer"] = handed_over_doc(self.now, decision.grounds)
                return await self._save(session, doc, changes, _S.CONTROLLED)
            notice = accounting_notice(case.declaration.kind)
            notification = await self._write(session, facts, decision.movements, notice)
            if notification is not None:
                changes["accounting"] = accounting_doc(
                    self.now, notification, self.by(), automatic=True
                )
            await self._write(session, facts, plan_release(decision.movements), Notice.RELEASED)
            await self._place(session, facts)
            changes["releasedAt"] = self.now
            return await self._save(session, doc, changes, _S.RELEASED, "automatic mode (p.13)")

        return await self._run(key, "runAutomaticMode", {"number": number}, work, number)

    # preview -------------------------------------------------------------------------------

    async def preview(self, data: DeclarationData) -> Preview:
        """What control and accounting would say for a draft, with nothing written, on
        the licences and permits the principal may see (another holder's answer as if
        never received)."""
        if problems := check_draft(data):
            return Preview(input_problems=problems)
        facts = await self._facts(None, filed_doc(data, self.now))
        return preview(replace(facts.case, own=()))

    # accounting notifications (p.10) --------------------------------------------------------

    async def notifications_filter(self, declaration_number: str | None = None) -> Document:
        """The condition keeping the accounting notifications the principal sees (a
        declaration's are its declarant's), of ``declaration_number`` only when given."""
        if self.access.unrestricted:
            return {} if declaration_number is None else {"declarationNumber": declaration_number}
        query = self.access.filter(Owned.DECLARATION)
        if declaration_number is not None:
            query["number"] = declaration_number
        own = self.db.declarations.find(query, {"number": 1})
        return {"declarationNumber": {"$in": [doc["number"] async for doc in own]}}

    async def sees_notification(self, notification: Document) -> bool:
        """Whether the principal sees ``notification``: it sees its declaration."""
        if self.access.unrestricted:
            return True
        query = {"_id": notification["declarationId"], **self.access.filter(Owned.DECLARATION)}
        return await self.db.declarations.find_one(query, {"_id": 1}) is not None
