"""Processing permits (Permit rules p.1-p.9, DESIGN Part B): drafts, issue with the
registration number, amendments, transfer (p.3), the term (p.9), special marks, expiry.

Every operation is idempotent by a key scoped to the API key, runs in one transaction,
and stores the permit's new state together with a **revision** (a full snapshot of the
permit after the operation, with the office-local date it took effect), so the permit
in force on any date can be read back (``as_of``).  A refusal raises
:class:`RuleViolation` inside the transaction: nothing is written.

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

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from domain.access import Principal, Role
from domain.permits.form import (
    COSTED_TABLES,
    Extension,
    Holder,
    MarkKind,
    PermitForm,
    SpecialMark,
    Term,
    Transfer,
)
from domain.permits.lifecycle import (
    PermitOperation,
    PermitStatus,
    check_operation,
    status_after,
)
from domain.permits.numbering import DEFAULT_SEQUENCE_WIDTH, format_permit_number, sequence_scope
from domain.permits.terms import DEFAULT_MAX_TERM_MONTHS, extend_term, is_expired, term_end
from domain.permits.validation import check_term, check_transfer, validate_permit
from domain.problems import FieldPath, Problem, RuleViolation
from services.customs_offices import OfficeKind, issuing_header, local_date
from services.ledger import seq_guard, to_millis
from services.permit_documents import (
    as_date,
    as_datetime,
    content_doc,
    form_of,
    header_doc,
    holder_of,
    mark_doc,
    term_doc,
    term_end_of,
    transfer_doc,
)
from services.transactions import ConcurrentUpdate, Outcome, idempotent

if TYPE_CHECKING:
    from resolvers.context import Context

Document = dict[str, Any]
_S = PermitStatus
_O = PermitOperation


class RevisionOperation(StrEnum):
    """What made a revision: the lifecycle operations, and draft creation and edits."""

    CREATE = "CREATE"
    EDIT = "EDIT"
    ISSUE = "ISSUE"
    AMEND = "AMEND"
    TRANSFER = "TRANSFER"
    FIX_TERM = "FIX_TERM"
    EXTEND = "EXTEND"
    REVOKE = "REVOKE"
    ANNUL = "ANNUL"
    RESTORE = "RESTORE"
    EXPIRE = "EXPIRE"


_MARK_OPERATIONS = {
    MarkKind.REVOCATION: _O.REVOKE,
    MarkKind.ANNULMENT: _O.ANNUL,
    MarkKind.RESTORATION: _O.RESTORE,
}


def _violation(code: str, message: str, field: FieldPath = ()) -> RuleViolation:
    return RuleViolation([Problem(code, message, field)])


def _refuse_if(problems: list[Problem]) -> None:
    if problems:
        raise RuleViolation(problems)


def can_see_permit(principal: Principal, doc: Document | None) -> bool:
    """A DECLARANT key sees the permits whose current holder is its INN; OFFICER and
    ANALYST keys see all (the schema keeps other roles out)."""
    if doc is None:
        return False
    return principal.role is not Role.DECLARANT or doc.get("holderInn") == principal.inn


def current_holder(doc: Document) -> Document:
    """Point 1, or point 1.1's new holder once the permit was transferred (p.3)."""
    transfer = doc.get("transfer")
    holder: Document = transfer["newHolder"] if transfer else doc["holder"]
    return holder


def with_rate_dates(form: PermitForm, issue_date: date) -> PermitForm:
    """Column 5 states the Central Bank's rate on the issue date (Permit rules p.5(д)):
    a foreign-currency cost entered without the rate's date gets the issue date."""
    changes: dict[str, Any] = {}
    for table in COSTED_TABLES:
        rows = form.rows(table)
        dated = tuple(
            replace(row, cost=replace(row.cost, rate_date=issue_date))
            if row.cost is not None
            and row.cost.currency != "RUB"
            and row.cost.rate is not None
            and row.cost.rate_date is None
            else row
            for row in rows
        )
        if dated != rows:
            changes[table.value] = dated
    return replace(form, **changes) if changes else form


async def reference_problems(
    db: AsyncDatabase[Document], session: AsyncClientSession | None, form: PermitForm
) -> list[Problem]:
    """Column 6 (Permit rules p.5(е)): a customs office or post named with a code must
    exist in the reference data as a customs or a post."""
    wanted = {
        office.code
        for table in COSTED_TABLES
        for row in form.rows(table)
        for office in row.customs_offices
        if office.code is not None
    }
    if not wanted:
        return []
    known = {
        doc["code"]
        async for doc in db.customs_offices.find(
            {
                "code": {"$in": sorted(wanted)},
                "kind": {"$in": [OfficeKind.CUSTOMS.value, OfficeKind.POST.value]},
            },
            {"code": 1},
            session=session,
        )
    }
    problems = []
    for table in sorted(COSTED_TABLES, key=lambda t: t.value):
        for index, row in enumerate(form.rows(table)):
            for j, office in enumerate(row.customs_offices):
                if office.code is not None and office.code not in known:
                    problems.append(
                        Problem(
                            "CUSTOMS_OFFICE_NOT_FOUND",
                            f"no customs or customs post {office.code} in the reference data",
                            (table.value, index, "customsOffices", j, "code"),
                        )
                    )
    return problems


@dataclass(frozen=True)
class Mark:
    """A point 15 special mark as an officer enters it; ``date`` defaults to today."""

    kind: MarkKind
    grounds: str
    date: date | None = None
    decision_number: str | None = None


@dataclass(frozen=True)
class TransferDecision:
    """Point 1.1 (Permit rules p.3): the new holder and the customs' decision."""

    new_holder: Holder
    decision_number: str
    decision_date: date


Work = Callable[[AsyncClientSession], Awaitable[Document]]


class Permits:
    """The use cases of processing permits, bound to one request."""

    def __init__(
        self,
        client: AsyncMongoClient[Document],
        db: AsyncDatabase[Document],
        principal: Principal,
        now: datetime,
        *,
        sequence_width: int = DEFAULT_SEQUENCE_WIDTH,
        max_term_months: int = DEFAULT_MAX_TERM_MONTHS,
    ) -> None:
        self.client = client
        self.db = db
        self.principal = principal
        self.now = to_millis(now)
        self.sequence_width = sequence_width
        self.max_term_months = max_term_months

    # helpers ---------------------------------------------------------------------------

    def _by(self) -> Document:
        return {"keyId": self.principal.key_id, "name": self.principal.name}

    def today(self, doc: Document) -> date:
        """The issuing office's local date now (DESIGN "Permit number")."""
        return local_date(self.now, doc["header"]["timeZone"])

    async def _run(self, key: str, operation: str, content: Any, work: Work) -> Outcome:
        if not key.strip():
            return Outcome(
                None, [Problem("REQUIRED", "idempotencyKey is required", ("idempotencyKey",))]
            )
        return await idempotent(
            self.client,
            self.db,
            scope=self.principal.key_id,
            key=key,
            operation=operation,
            content=content,
            now=self.now,
            work=work,
            key_field="idempotencyKey",
        )

    async def _load(
        self,
        session: AsyncClientSession,
        *,
        permit_id: ObjectId | None = None,
        number: str | None = None,
    ) -> Document:
        query: Document = {"_id": permit_id} if permit_id is not None else {"number": number}
        doc = await self.db.permits.find_one(query, session=session)
        if doc is None or not can_see_permit(self.principal, doc):
            what = f"number {number}" if number is not None else "this ID"
            field = ("number",) if number is not None else ("id",)
            raise _violation("PERMIT_NOT_FOUND", f"no permit with {what}", field)
        return doc

    @staticmethod
    def _check(doc: Document, operation: PermitOperation) -> None:
        term_fixed = doc["term"].get("startDate") is not None
        problems = check_operation(_S(doc["status"]), operation, term_fixed=term_fixed)
        # These concern the request as a whole (the permit's state), not an input field.
        _refuse_if([Problem(p.code, p.message) for p in problems])

    @staticmethod
    def _check_revision(doc: Document, expected: int | None) -> None:
        if expected is not None and doc["revision"] != expected:
            raise _violation(
                "REVISION_MISMATCH",
                f"the permit is at revision {doc['revision']}, not {expected}: it was changed "
                "meanwhile; read it again",
                ("expectedRevision",),
            )

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
                "by": self._by(),
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

    # drafts ----------------------------------------------------------------------------

    async def create_draft(self, key: str, form: PermitForm) -> Outcome:
        """A new permit in PREPARED status.  The header comes from the reference data of
        the customs named in ``form.header.customs_office_code`` (Permit rules p.1); the
        form is checked in full only when it is issued (``issueProblems`` shows what
        would stop it)."""

        async def work(session: AsyncClientSession) -> Document:
            header, zone = await issuing_header(
                self.db,
                session,
                form.header.customs_office_code,
                ("permit", "customsOfficeCode"),
            )
            draft = replace(form, header=header, number=None, transfer=None, special_marks=())
            try:
                content = content_doc(draft)
            except RuleViolation as refusal:
                raise RuleViolation([p.under("permit") for p in refusal.problems]) from None
            doc: Document = {
                "_id": ObjectId(),
                "status": _S.PREPARED.value,
                "header": header_doc(header, zone),
                **content,
                "holderInn": form.holder.inn,
                "transfer": None,
                "term": term_doc(Term(form.term.months)),
                "specialMarks": [],
                "revision": 1,
                "createdAt": self.now,
                "updatedAt": self.now,
                "createdBy": self._by(),
            }
            await self.db.permits.insert_one(doc, session=session)
            await self._revision(session, doc, RevisionOperation.CREATE, None)
            return {"permitId": doc["_id"]}

        return await self._run(key, "createPermitDraft", asdict(form), work)

    async def edit_draft(
        self, key: str, permit_id: ObjectId, form: PermitForm, expected_revision: int | None
    ) -> Outcome:
        """Replace a draft's content (PREPARED only; an issued permit is amended)."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, permit_id=permit_id)
            if doc["status"] != _S.PREPARED.value:
                raise _violation(
                    "OPERATION_NOT_ALLOWED",
                    f"the permit is {doc['status']}: only a draft is edited; an issued permit "
                    "is changed with amendPermit",
                )
            self._check_revision(doc, expected_revision)
            header, zone = await issuing_header(
                self.db,
                session,
                form.header.customs_office_code,
                ("permit", "customsOfficeCode"),
            )
            draft = replace(form, header=header, number=None, transfer=None, special_marks=())
            try:
                content = content_doc(draft)
            except RuleViolation as refusal:
                raise RuleViolation([p.under("permit") for p in refusal.problems]) from None
            changes = {
                "header": header_doc(header, zone),
                **content,
                "holderInn": form.holder.inn,
                "term": term_doc(Term(form.term.months)),
            }
            return await self._save(session, doc, changes, RevisionOperation.EDIT)

        content = {"id": str(permit_id), "form": asdict(form), "expected": expected_revision}
        return await self._run(key, "updatePermitDraft", content, work)

    # issue -------------------------------------------------------------------------------

    async def issue_problems(
        self, doc: Document, session: AsyncClientSession | None = None
    ) -> list[Problem]:
        """Everything that stops ``doc`` (a draft) from being issued now: the header from
        the reference data, every rule of the form (Permit rules p.1-p.9) on the office's
        local date, and column 6's offices in the reference data.  Paths are under
        ``permit``."""
        try:
            _, _, problems = await self._issuable(doc, session)
        except RuleViolation as refusal:
            return refusal.problems
        return problems

    async def _issuable(
        self, doc: Document, session: AsyncClientSession | None
    ) -> tuple[PermitForm, str, list[Problem]]:
        """The form as it would be issued now (header from the reference data, rates
        dated), the office's time zone, and the form's problems (under ``permit``)."""
        try:
            header, zone = await issuing_header(
                self.db,
                session,
                doc["header"]["customsOfficeCode"],
                ("header", "customsOfficeCode"),
            )
        except RuleViolation as refusal:
            raise RuleViolation([p.under("permit") for p in refusal.problems]) from None
        today = local_date(self.now, zone)
        form = with_rate_dates(replace(form_of(doc), header=header), today)
        problems = validate_permit(form, today, max_term_months=self.max_term_months)
        problems += await reference_problems(self.db, session, form)
        return form, zone, [p.under("permit") for p in problems]

    async def issue(self, key: str, permit_id: ObjectId) -> Outcome:
        """Issue a draft: every rule checked, then the number assigned and the status set
        in one transaction (Permit rules p.2; see the module docstring)."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, permit_id=permit_id)
            self._check(doc, _O.ISSUE)
            form, zone, problems = await self._issuable(doc, session)
            _refuse_if(problems)  # before the counter: a refused issue never touches it
            today = local_date(self.now, zone)
            header = form.header
            office, year = sequence_scope(header.customs_office_code, today)
            sequence = await self._next_sequence(session, office, year)
            number = format_permit_number(office, today, sequence, self.sequence_width)
            changes = {
                **content_doc(form, doc["table3"]),
                "status": status_after(_S.PREPARED, _O.ISSUE).value,
                "header": header_doc(header, zone),
                "number": number,
                "sequence": sequence,
                "issueDate": as_datetime(today),
                "issuedAt": self.now,
                "issuedBy": self._by(),
            }
            return await self._save(session, doc, changes, RevisionOperation.ISSUE)

        return await self._run(key, "issuePermit", {"id": str(permit_id)}, work)

    # amend -------------------------------------------------------------------------------

    async def amend(
        self,
        key: str,
        number: str,
        form: PermitForm,
        reason: str,
        expected_revision: int | None,
    ) -> Outcome:
        """Amend an issued permit's content (DESIGN Part B, "amend").  The number, the
        issuing customs and the holder stay (a new holder comes by transfer, p.3); once the
        term is fixed its months change only by extension (p.9).  The amended form must
        pass every rule on the issue date."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            if doc["status"] == _S.PREPARED.value:
                raise _violation(
                    "OPERATION_NOT_ALLOWED",
                    "a draft is changed with updatePermitDraft",
                )
            self._check(doc, _O.AMEND)
            self._check_revision(doc, expected_revision)
            stored = form_of(doc)
            problems: list[Problem] = []
            if not reason.strip():
                problems.append(Problem("REQUIRED", "the reason is required", ("reason",)))
            if form.header.customs_office_code != stored.header.customs_office_code:
                problems.append(
                    Problem(
                        "ISSUING_OFFICE_FIXED",
                        f"the permit was issued by {stored.header.customs_office_code}; the "
                        "issuing customs is part of its number",
                        ("permit", "customsOfficeCode"),
                    )
                )
            if form.holder.inn != stored.holder.inn:
                problems.append(
                    Problem(
                        "HOLDER_CHANGE_BY_TRANSFER",
                        "another person takes the permit over by transfer (point 1.1, p.3)",
                        ("permit", "holder", "inn"),
                    )
                )
            term = stored.term
            if term.start_date is not None and form.term.months != term.months:
                problems.append(
                    Problem(
                        "TERM_FIXED",
                        "the term is fixed since the first placement; extend it instead (p.9)",
                        ("permit", "term", "months"),
                    )
                )
            if term.start_date is None:
                term = Term(form.term.months)
            issue_date = as_date(doc["issueDate"])
            assert issue_date is not None
            amended = replace(
                form,
                header=stored.header,
                number=stored.number,
                transfer=stored.transfer,
                special_marks=stored.special_marks,
                term=term,
            )
            amended = with_rate_dates(amended, issue_date)
            problems += [
                p.under("permit")
                for p in validate_permit(amended, issue_date, max_term_months=self.max_term_months)
            ]
            problems += [
                p.under("permit") for p in await reference_problems(self.db, session, amended)
            ]
            _refuse_if(problems)
            try:
                content = content_doc(amended, doc["table3"])
            except RuleViolation as refusal:
                raise RuleViolation([p.under("permit") for p in refusal.problems]) from None
            changes = {**content, "term": {**doc["term"], "months": term.months}}
            return await self._save(
                session, doc, changes, RevisionOperation.AMEND, {"reason": reason.strip()}
            )

        content = {"form": asdict(form), "reason": reason, "expected": expected_revision}
        return await self._run(key, f"amendPermit:{number}", content, work)

    # transfer (p.3) ----------------------------------------------------------------------

    async def transfer(self, key: str, number: str, decision: TransferDecision) -> Outcome:
        """Point 1.1 (Permit rules p.3): by a decision of the customs, on the holder's
        application, the permit passes to another Russian person (a valid INN)."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            self._check(doc, _O.TRANSFER)
            today = self.today(doc)
            issue_date = as_date(doc["issueDate"])
            assert issue_date is not None
            transfer = Transfer(
                decision.new_holder, decision.decision_number, decision.decision_date
            )
            # Checked against the current holder: after an earlier transfer, the person
            # in 1.1 holds the permit, and the next transfer is away from them.
            holder = holder_of(current_holder(doc))
            form = replace(form_of(doc), holder=holder, transfer=transfer)
            problems = [_strip(p, "transfer") for p in check_transfer(form, issue_date)]
            if decision.decision_date > today:
                problems.append(
                    Problem(
                        "DATE_IN_FUTURE",
                        f"the decision cannot be dated after today ({today:%d.%m.%Y})",
                        ("decisionDate",),
                    )
                )
            _refuse_if(problems)
            changes = {
                "transfer": transfer_doc(transfer, self.now),
                "holderInn": decision.new_holder.inn,
            }
            return await self._save(
                session,
                doc,
                changes,
                RevisionOperation.TRANSFER,
                {"decisionNumber": decision.decision_number.strip()},
            )

        return await self._run(key, f"transferPermit:{number}", asdict(decision), work)

    # term (p.9) --------------------------------------------------------------------------

    async def fix_term_in(
        self, session: AsyncClientSession, doc: Document, start: date
    ) -> Document:
        """Table 10.1 (Permit rules p.9): at the first placement the start of the term is
        fixed and its end date written: the same day ``months`` later, clipped to the
        month's end (DESIGN "Term").  Runs inside the caller's transaction, so a
        placement (procedure 51 release, the lead's) can fix the term with it."""
        self._check(doc, _O.FIX_TERM)
        today = self.today(doc)
        issue_date = as_date(doc["issueDate"])
        assert issue_date is not None
        months = doc["term"]["months"]
        term = Term(months, start, term_end(start, months))
        problems = [_strip(p, "term") for p in check_term(term, issue_date, self.max_term_months)]
        if start > today:
            problems.append(
                Problem(
                    "DATE_IN_FUTURE",
                    f"the first placement cannot be after today ({today:%d.%m.%Y})",
                    ("startDate",),
                )
            )
        _refuse_if(problems)
        changes = {"term": term_doc(term), "termEnd": as_datetime(term_end(start, months))}
        return await self._save(session, doc, changes, RevisionOperation.FIX_TERM)

    async def fix_term(self, key: str, number: str, start: date) -> Outcome:
        """An officer fixes the term at the first placement (Permit rules p.9)."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            return await self.fix_term_in(session, doc, start)

        return await self._run(key, f"fixPermitTerm:{number}", {"start": start}, work)

    async def extend(
        self, key: str, number: str, months: int, decision_number: str | None, reason: str
    ) -> Outcome:
        """Table 10.2 (Permit rules p.9): an extension by whole months with the new end
        date, computed from the start and the total months (DESIGN "Term"), the whole term
        at most the cap.  A term that has already ended is not extended (DESIGN)."""

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            self._check(doc, _O.EXTEND)
            stored = form_of(doc).term
            start, end = stored.start_date, term_end_of(stored)
            assert start is not None
            assert end is not None
            today = self.today(doc)
            if is_expired(end, today):
                raise _violation(
                    "TERM_ENDED",
                    f"the term ended on {end:%d.%m.%Y}; an ended term is not extended",
                )
            new_end = extend_term(start, stored.total_months, months, self.max_term_months)
            term = replace(stored, extensions=(*stored.extensions, Extension(months, new_end)))
            notes = [
                {k: v for k, v in e.items() if k not in ("months", "endDate")}
                for e in doc["term"]["extensions"]
            ]
            notes.append(
                {"decisionNumber": decision_number, "reason": reason.strip(), "at": self.now}
            )
            changes = {"term": term_doc(term, notes), "termEnd": as_datetime(new_end)}
            return await self._save(session, doc, changes, RevisionOperation.EXTEND)

        content = {"months": months, "decision": decision_number, "reason": reason}
        return await self._run(key, f"extendPermitTerm:{number}", content, work)

    # point 15 marks, expiry -----------------------------------------------------------------

    async def mark(self, key: str, number: str, mark: Mark) -> Outcome:
        """Revocation, annulment or restoration (point 15 special marks, DESIGN Part B):
        grounds and a date (today by default), not before the permit nor the previous
        mark, not after today."""
        operation = _MARK_OPERATIONS[mark.kind]

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._load(session, number=number)
            self._check(doc, operation)
            today = self.today(doc)
            day = mark.date or today
            issue_date = as_date(doc["issueDate"])
            assert issue_date is not None
            problems: list[Problem] = []
            if not mark.grounds.strip():
                problems.append(Problem("REQUIRED", "the grounds are required", ("grounds",)))
            if day > today:
                problems.append(
                    Problem(
                        "DATE_IN_FUTURE",
                        f"the mark cannot be dated after today ({today:%d.%m.%Y})",
                        ("date",),
                    )
                )
            if day < issue_date:
                problems.append(
                    Problem(
                        "MARK_BEFORE_ISSUE",
                        f"a special mark cannot precede the permit ({issue_date:%d.%m.%Y})",
                        ("date",),
                    )
                )
            marks = doc["specialMarks"]
            if marks and day < marks[-1]["date"].date():
                problems.append(
                    Problem(
                        "MARK_OUT_OF_ORDER",
                        "a special mark cannot precede the previous one",
                        ("date",),
                    )
                )
            _refuse_if(problems)
            entry = mark_doc(
                SpecialMark(mark.kind, day, mark.grounds, mark.decision_number), self.now
            )
            changes = {
                "status": status_after(_S(doc["status"]), operation).value,
                "specialMarks": [*marks, entry],
            }
            return await self._save(session, doc, changes, RevisionOperation(operation.value))

        content = {"mark": asdict(mark)}
        return await self._run(key, f"{operation.value.lower()}Permit:{number}", content, work)

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
                self._check(doc, _O.EXPIRE)
                await self._save(
                    session,
                    doc,
                    {"status": status_after(_S.IN_FORCE, _O.EXPIRE).value},
                    RevisionOperation.EXPIRE,
                    {"termEnd": doc["termEnd"]},
                )
                expired.append(doc["_id"])
            return {"permitIds": expired}

        return await self._run(key, "expirePermits", {}, work)


def for_request(ctx: Context) -> Permits:
    """The service bound to a request, with the permit settings."""
    return Permits(
        ctx.client,
        ctx.db,
        ctx.principal,
        ctx.now,
        sequence_width=ctx.config.permit_sequence_width,
        max_term_months=ctx.config.permit_max_term_months,
    )


def _strip(problem: Problem, prefix: str) -> Problem:
    """``problem`` with a leading ``prefix`` removed from its path (a section's checks
    report paths in the permit; the operation's input names the section's fields)."""
    field = problem.field[1:] if problem.field[:1] == (prefix,) else problem.field
    return Problem(problem.code, problem.message, field)
