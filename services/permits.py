"""Processing permits (Permit rules p.1-p.9, DESIGN Part B): drafts, issue with the
registration number, amendments, transfer (p.3), the term (p.9), special marks, expiry.

Every operation is idempotent by a key scoped to the API key (:meth:`Service.run`), runs
in one transaction: it loads the permit (:func:`services.documents.permits.permit_of`),
asks :mod:`domain.permits` for the decision, and stores the permit's new state together
with a **revision** (a full snapshot of the permit after the operation, with the
office-local date it took effect), so the permit in force on any date can be read back
(``as_of``).  A refusal raises :class:`RuleViolation` inside the transaction: nothing is
written.

**The number (p.2).**  ``issue`` validates everything first; only a permit that passes
draws its sequence number, with ``$inc`` on the counter document ``<office>:<year>``
(upserted; the year of the issuing office's local date), in the same transaction as the
permit's change of status.  A failed validation never reaches the counter; a failure
after it aborts the transaction and the increment with it; concurrent issues (from any
number of API instances) conflict on the counter document, and the driver retries the
later one (``run_transaction``).  So numbers are never duplicated and never skipped.

**Placements.**  Table 3 rows store ``accounted`` and ``available`` as Decimal128;
amendments keep ``accounted`` and never lower a row below it; :meth:`Permits.fix_term_in`
fixes the term inside a caller's transaction when the first declaration is released
(DESIGN "Term").
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, timedelta

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from domain.customs_offices import OfficeKind, local_date
from domain.permits.form import Header, PermitForm, Term, Transfer
from domain.permits.lifecycle import (
    MARK_OPERATIONS,
    Permit,
    PermitOperation,
    PermitStatus,
    RevisionOperation,
    check_draft_edit,
    found,
    next_status,
)
from domain.permits.numbering import format_permit_number, sequence_scope
from domain.permits.operations import (
    Mark,
    amend_permit,
    as_issued,
    check_issuable,
    extend_permit_term,
    fix_permit_term,
    issue_permit,
    mark_permit,
    transfer_permit,
)
from domain.permits.terms import is_expired
from domain.permits.validation import check_decision, check_form_input, office_codes
from domain.problems import Problem, RuleViolation
from services.access import Owned
from services.base import Document, Service
from services.customs_offices import issuing_header
from services.documents import as_date, as_datetime
from services.documents.permits import (
    content_doc,
    extension_notes,
    header_doc,
    mark_doc,
    permit_of,
    term_doc,
    transfer_doc,
)
from services.ledger import seq_guard
from services.transactions import ConcurrentUpdate, Outcome

_S = PermitStatus
_O = PermitOperation


class Permits(Service):
    """The use cases of processing permits, bound to one request."""

    # loading ---------------------------------------------------------------------------

    def today(self, doc: Document) -> date:
        """The issuing office's local date now (DESIGN "Permit number")."""
        return local_date(self.now, doc["header"]["timeZone"])

    async def _load(
        self,
        session: AsyncClientSession,
        *,
        permit_id: ObjectId | None = None,
        number: str | None = None,
    ) -> Document:
        """The permit by ID or number, if the principal sees it (else not found)."""
        query: Document = {"_id": permit_id} if permit_id is not None else {"number": number}
        doc = await self.db.permits.find_one(
            {**query, **self.access.filter(Owned.PERMIT)}, session=session
        )
        return found(doc, number)

    async def _known_offices(
        self, session: AsyncClientSession | None, form: PermitForm
    ) -> set[str]:
        """Of the codes column 6 names, those of a customs or a post in the reference data
        (Permit rules p.5(е))."""
        wanted = office_codes(form)
        if not wanted:
            return set()
        cursor = self.db.customs_offices.find(
            {
                "code": {"$in": sorted(wanted)},
                "kind": {"$in": [OfficeKind.CUSTOMS.value, OfficeKind.POST.value]},
            },
            {"code": 1},
            session=session,
        )
        return {doc["code"] async for doc in cursor}

    # writing ---------------------------------------------------------------------------

    async def _save(
        self,
        session: AsyncClientSession,
        doc: Document,
        changes: Document,
        operation: RevisionOperation,
        note: Document | None = None,
    ) -> Document:
        """Store ``changes`` guarded by the revision read, and the new revision's snapshot:
        one transaction, so the history is exactly the sequence of states."""
        # Only the sections that differ are sent, and the document after the change is
        # built here rather than read back: a permit with large tables is costly to move
        # (SecantusDB re-encodes the whole document on any update).
        changes = {k: v for k, v in changes.items() if k not in doc or doc[k] != v}
        changes.update(revision=doc["revision"] + 1, updatedAt=self.now)
        result = await self.db.permits.update_one(
            # the ledger head too: a placement moves table 3 figures (services.ledger)
            {
                "_id": doc["_id"],
                "revision": doc["revision"],
                "ledgerSeq": seq_guard(doc.get("ledgerSeq", 0)),
            },
            {"$set": changes},
            session=session,
        )
        if result.matched_count != 1:
            raise ConcurrentUpdate
        after = {**doc, **changes}
        await self._revision(session, after, operation, note)
        return {"permitId": doc["_id"]}

    async def _revision(
        self,
        session: AsyncClientSession,
        after: Document,
        operation: RevisionOperation,
        note: Document | None,
    ) -> None:
        snapshot = {k: v for k, v in after.items() if k != "_id"}
        await self.db.permit_revisions.insert_one(
            {
                "permitId": after["_id"],
                "revision": after["revision"],
                "operation": operation.value,
                "at": self.now,
                "effectiveDate": as_datetime(self.today(after)),
                "by": self.by(),
                "note": note or {},
                "permit": snapshot,
            },
            session=session,
        )

    async def _next_sequence(self, session: AsyncClientSession, office: str, year: int) -> int:
        """Permit rules p.2: the next number of the office's counter for ``year``; the
        counter document is created by the first issue of the year (upsert)."""
        try:
            counter = await self.db.permit_sequences.find_one_and_update(
                {"_id": f"{office}:{year}"},
                {"$inc": {"value": 1}, "$setOnInsert": {"office": office, "year": year}},
                upsert=True,
                session=session,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            raise ConcurrentUpdate from None  # two first issues of the year: decide again
        assert counter is not None  # upsert with ReturnDocument.AFTER
        value: int = counter["value"]
        return value

    async def _draft_content(self, session: AsyncClientSession, form: PermitForm) -> Document:
        """What a draft stores of ``form``: the header from the reference data of the
        customs it names (Permit rules p.1), the content, the holder, the term's months;
        number, transfer and marks come by their own operations."""
        header, zone = await issuing_header(
            self.db, session, form.header.customs_office_code, ("permit", "customsOfficeCode")
        )
        draft = replace(form, header=header, number=None, transfer=None, special_marks=())
        return {
            "header": header_doc(header, zone),
            **content_doc(draft),
            "holderInn": form.holder.inn,
            "term": term_doc(Term(form.term.months)),
        }

    # drafts ----------------------------------------------------------------------------

    async def create_draft(self, key: str, form: PermitForm) -> Outcome:
        """A new permit in PREPARED status.  The header comes from the reference data of
        the customs named in ``form.header.customs_office_code`` (Permit rules p.1); the
        form is checked in full only when it is issued (``issueProblems`` shows what
        would stop it)."""
        if problems := [p.under("permit") for p in check_form_input(form)]:
            return Outcome(None, problems)

        async def work(session: AsyncClientSession) -> Document:
            content = await self._draft_content(session, form)
            term = content.pop("term")
            doc: Document = {
                "_id": ObjectId(),
                "status": _S.PREPARED.value,
                **content,
                "transfer": None,
                "term": term,
                "specialMarks": [],
                "revision": 1,
                "createdAt": self.now,
                "updatedAt": self.now,
                "createdBy": self.by(),
            }
            await self.db.permits.insert_one(doc, session=session)
            await self._revision(session, doc, RevisionOperation.CREATE, None)
            return {"permitId": doc["_id"]}

        return await self.run(key, "createPermitDraft", asdict(form), work)

    async def edit_draft(
        self, key: str, permit_id: ObjectId, form: PermitForm, expected_revision: int | None
    ) -> Outcome:
        """Replace a draft's content (PREPARED only; an issued permit is amended)."""
        if problems := [p.under("permit") for p in check_form_input(form)]:
            return Outcome(None, problems)

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, permit_id=permit_id)
            status = _S(doc["status"])
            if problems := check_draft_edit(status, doc["revision"], expected_revision):
                raise RuleViolation(problems)
            changes = await self._draft_content(session, form)
            return await self._save(session, doc, changes, RevisionOperation.EDIT)

        content = {"id": str(permit_id), "form": asdict(form), "expected": expected_revision}
        return await self.run(key, "updatePermitDraft", content, work)

    # issue -------------------------------------------------------------------------------

    async def _issuable(
        self, doc: Document, session: AsyncClientSession | None
    ) -> tuple[Permit, Header, str, date, set[str]]:
        """What the decision to issue ``doc`` needs: the permit, the header from the
        reference data (its problems under ``permit``) and the office's time zone, its
        local date, the known offices of column 6."""
        permit = permit_of(doc)
        try:
            header, zone = await issuing_header(
                self.db,
                session,
                doc["header"]["customsOfficeCode"],
                ("header", "customsOfficeCode"),
            )
        except RuleViolation as refusal:
            raise RuleViolation([p.under("permit") for p in refusal.problems]) from None
        known = await self._known_offices(session, permit.form)
        return permit, header, zone, local_date(self.now, zone), known

    async def issue_problems(self, doc: Document) -> list[Problem]:
        """Everything that stops ``doc`` (a draft) from being issued now: the header from
        the reference data, every rule of the form (Permit rules p.1-p.9) on the office's
        local date, and column 6's offices in the reference data.  Paths are under
        ``permit``."""
        try:
            permit, header, _, today, known = await self._issuable(doc, None)
        except RuleViolation as refusal:
            return refusal.problems
        form = as_issued(permit.form, header, today)
        return check_issuable(form, today, known, self.config.permit_max_term_months)

    async def issue(self, key: str, permit_id: ObjectId) -> Outcome:
        """Issue a draft: every rule checked, then the number assigned and the status set
        in one transaction (Permit rules p.2; see the module docstring)."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, permit_id=permit_id)
            status = next_status(_S(doc["status"]), _O.ISSUE)
            permit, header, zone, today, known = await self._issuable(doc, session)
            # before the counter: a refused issue never touches it
            form = issue_permit(
                permit.form, header, today, known, self.config.permit_max_term_months
            )
            office, year = sequence_scope(header.customs_office_code, today)
            sequence = await self._next_sequence(session, office, year)
            number = format_permit_number(
                office, today, sequence, self.config.permit_sequence_width
            )
            changes = {
                **content_doc(form, doc["table3"]),
                "status": status.value,
                "header": header_doc(header, zone),
                "number": number,
                "sequence": sequence,
                "issueDate": as_datetime(today),
                "issuedAt": self.now,
                "issuedBy": self.by(),
            }
            return await self._save(session, doc, changes, RevisionOperation.ISSUE)

        return await self.run(key, "issuePermit", {"id": str(permit_id)}, work)

    # amend -------------------------------------------------------------------------------

    async def amend(
        self,
        key: str,
        number: str,
        form: PermitForm,
        reason: str,
        expected_revision: int | None,
    ) -> Outcome:
        """Amend an issued permit's content (DESIGN Part B, "amend"; the rules are
        :func:`domain.permits.operations.amend_permit`)."""
        problems = [p.under("permit") for p in check_form_input(form)]
        if problems := problems + check_decision(None, reason, "reason"):
            return Outcome(None, problems)

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            known = await self._known_offices(session, form)
            amended = amend_permit(
                permit_of(doc),
                form,
                reason,
                expected_revision,
                known,
                self.config.permit_max_term_months,
            )
            changes = {
                **content_doc(amended, doc["table3"]),
                "term": {**doc["term"], "months": amended.term.months},
            }
            return await self._save(
                session, doc, changes, RevisionOperation.AMEND, {"reason": reason.strip()}
            )

        content = {"form": asdict(form), "reason": reason, "expected": expected_revision}
        return await self.run(key, f"amendPermit:{number}", content, work)

    # transfer (p.3) ----------------------------------------------------------------------

    async def transfer(self, key: str, number: str, decision: Transfer) -> Outcome:
        """Point 1.1 (Permit rules p.3): by a decision of the customs, on the holder's
        application, the permit passes to another Russian person (a valid INN)."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            transfer = transfer_permit(permit_of(doc), decision, self.today(doc))
            changes = {
                "transfer": transfer_doc(transfer, self.now),
                "holderInn": transfer.new_holder.inn,
            }
            return await self._save(
                session,
                doc,
                changes,
                RevisionOperation.TRANSFER,
                {"decisionNumber": transfer.decision_number.strip()},
            )

        return await self.run(key, f"transferPermit:{number}", asdict(decision), work)

    # term (p.9) --------------------------------------------------------------------------

    async def fix_term_in(
        self, session: AsyncClientSession, doc: Document, start: date
    ) -> Document:
        """Table 10.1 (Permit rules p.9): at the first placement the start of the term is
        fixed and its end date written (:func:`domain.permits.operations.fix_permit_term`).
        Runs inside the caller's transaction, so a placement (procedure 51 release, the
        lead's) can fix the term with it."""
        term = fix_permit_term(
            permit_of(doc), start, self.today(doc), self.config.permit_max_term_months
        )
        assert term.end_date is not None
        changes = {"term": term_doc(term), "termEnd": as_datetime(term.end_date)}
        return await self._save(session, doc, changes, RevisionOperation.FIX_TERM)

    async def fix_term(self, key: str, number: str, start: date) -> Outcome:
        """An officer fixes the term at the first placement (Permit rules p.9)."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            return await self.fix_term_in(session, doc, start)

        return await self.run(key, f"fixPermitTerm:{number}", {"start": start}, work)

    async def extend(
        self, key: str, number: str, months: int, decision_number: str | None, reason: str
    ) -> Outcome:
        """Table 10.2 (Permit rules p.9): an extension by whole months with the new end
        date (:func:`domain.permits.operations.extend_permit_term`)."""
        if problems := check_decision(decision_number, reason, "reason"):
            return Outcome(None, problems)

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            term = extend_permit_term(
                permit_of(doc), months, self.today(doc), self.config.permit_max_term_months
            )
            notes = extension_notes(doc)
            notes.append(
                {"decisionNumber": decision_number, "reason": reason.strip(), "at": self.now}
            )
            changes = {
                "term": term_doc(term, notes),
                "termEnd": as_datetime(term.extensions[-1].end_date),
            }
            return await self._save(session, doc, changes, RevisionOperation.EXTEND)

        content = {"months": months, "decision": decision_number, "reason": reason}
        return await self.run(key, f"extendPermitTerm:{number}", content, work)

    # point 15 marks, expiry -----------------------------------------------------------------

    async def mark(self, key: str, number: str, mark: Mark) -> Outcome:
        """Revocation, annulment or restoration (point 15 special marks, DESIGN Part B;
        :func:`domain.permits.operations.mark_permit`)."""
        operation = MARK_OPERATIONS[mark.kind]
        if problems := check_decision(mark.decision_number, mark.grounds, "grounds"):
            return Outcome(None, problems)

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            after = mark_permit(permit_of(doc), mark, self.today(doc))
            entry = mark_doc(after.form.special_marks[-1], self.now)
            changes = {
                "status": after.status.value,
                "specialMarks": [*doc["specialMarks"], entry],
            }
            return await self._save(session, doc, changes, RevisionOperation(operation.value))

        content = {"mark": asdict(mark)}
        return await self.run(key, f"{operation.value.lower()}Permit:{number}", content, work)

    async def expire_due(self, key: str) -> Outcome:
        """Every permit in force whose term has passed (the end date is before the
        issuing office's local date today) becomes EXPIRED, each with its revision, in one
        transaction.  Returns ``{"permitIds": [...]}``."""

        async def work(session: AsyncClientSession) -> Document:
            # No office is more than a day ahead of UTC, so this bound finds every
            # candidate; the exact test uses each office's own date.
            bound = as_datetime(self.now.date() + timedelta(days=1))
            cursor = self.db.permits.find(
                {"status": _S.IN_FORCE.value, "termEnd": {"$lt": bound}}, session=session
            ).sort("termEnd", 1)
            expired: list[ObjectId] = []
            async for doc in cursor:
                end = as_date(doc["termEnd"])
                assert end is not None
                if not is_expired(end, self.today(doc)):
                    continue
                permit = permit_of(doc)
                status = next_status(permit.status, _O.EXPIRE, term_fixed=permit.term_fixed)
                await self._save(
                    session,
                    doc,
                    {"status": status.value},
                    RevisionOperation.EXPIRE,
                    {"termEnd": doc["termEnd"]},
                )
                expired.append(doc["_id"])
            return {"permitIds": expired}

        return await self.run(key, "expirePermits", {}, work)
