"""Licensed goods control (Order 1907 p.4-13): declarations and their accounting.

Every operation runs in one transaction: it reads the declaration, the licences its
items cite and the ledger, applies the domain rules, and writes the new figures, the
ledger entries, the accounting notification and the declaration's new state together,
all or nothing.  Every operation is idempotent by a key scoped to the API key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from domain.access import Principal, Role
from domain.accounting import (
    AutoOutcome,
    Ground,
    Movement,
    Operation,
    auto_mode_decision,
    must_account,
    plan_actualisation,
    plan_annulment,
    plan_release,
    plan_write_off,
    refusal_grounds,
    release_blockers,
)
from domain.codes import currency_code_error, inn_error
from domain.control import (
    Amount,
    DeclarationFacts,
    Discrepancy,
    EarlierAccounting,
    ItemFacts,
    LicenseFacts,
    LineFacts,
    LineKey,
    control_declaration,
    licenses_with_held,
    lines_of,
)
from domain.declarations import (
    FINAL_STATUSES,
    DeclarationKind,
    DeclarationStatus,
    Direction,
    check_deadline_extension,
    check_kind,
    check_not_covered,
    check_transition,
    check_withdrawal,
    extend_release_deadline,
    parse_declaration_number,
    procedure_code_error,
    release_deadline,
)
from domain.licenses import ControlMode, LicenseStatus
from domain.numbers import check_positive_money, check_positive_quantity
from domain.permits.terms import DEFAULT_MAX_TERM_MONTHS, is_expired
from domain.problems import Problem, RuleViolation
from domain.units import unit_error
from services.customs_offices import local_date
from services.ledger import PERMIT_TABLE3, movement_of, to_millis, write_movements
from services.permit_documents import as_date
from services.permits import Permits
from services.transactions import (
    ConcurrentUpdate,
    KeyedLocks,
    Outcome,
    content_hash,
    idempotent,
)

Document = dict[str, Any]
MOSCOW = ZoneInfo("Europe/Moscow")
LICENSE_WRITERS = KeyedLocks()
_ZERO = Decimal(0)
_S = DeclarationStatus


@dataclass(frozen=True)
class ItemData:
    """A goods item as declared."""

    item_no: int
    name: str
    hs_code: str
    quantity: Decimal
    unit: str
    license_number: str
    line_no: int
    value: Decimal | None = None
    currency: str | None = None
    earlier_declaration: str | None = None
    permit_number: str | None = None
    """A processing permit cited instead of a licence (DESIGN Part B, "A permit is also
    used"): goods placed under procedure 51 against its table 3 row ``permit_row``."""
    permit_row: int | None = None

    @property
    def cites_permit(self) -> bool:
        return self.permit_number is not None


PROCESSING_PROCEDURE = "51"


@dataclass(frozen=True)
class DeclarationData:
    """A goods declaration as registered."""

    number: str
    kind: DeclarationKind
    direction: Direction
    procedure: str
    customs_office: str
    declarant_inn: str
    items: list[ItemData]
    first_procedure: bool = True
    represented_inn: str | None = None
    temporary_numbers: list[str] = field(default_factory=list)


def check_items(items: Sequence[ItemData]) -> list[Problem]:
    """Items numbered 1..n, each with a 10-digit HS code, a known unit, a positive
    quantity, a positive value with currency when given, and the licence line cited."""
    problems: list[Problem] = []
    if not items:
        problems.append(Problem("REQUIRED", "a declaration has at least one item", ("items",)))
    for index, item in enumerate(items):
        at = ("items", index)
        if item.item_no != index + 1:
            problems.append(
                Problem(
                    "INVALID_ITEM_NUMBER",
                    f"items are numbered 1, 2, ... in order; item {index + 1} says {item.item_no}",
                    (*at, "itemNo"),
                )
            )
        if not item.name.strip():
            problems.append(Problem("REQUIRED", "the goods name is required", (*at, "name")))
        if len(item.hs_code) != 10 or not item.hs_code.isdigit():
            problems.append(
                Problem(
                    "INVALID_HS_CODE",
                    f"a declared item has a 10-digit HS code, got {item.hs_code!r}",
                    (*at, "hsCode"),
                )
            )
        if (error := unit_error(item.unit)) is not None:
            problems.append(Problem("UNKNOWN_UNIT", error, (*at, "unit")))
        problems += [p.under(*at) for p in check_positive_quantity(item.quantity, ("quantity",))]
        if item.value is not None:
            problems += [p.under(*at) for p in check_positive_money(item.value, ("value",))]
            if item.currency is None:
                problems.append(
                    Problem("REQUIRED", "a value needs its currency", (*at, "currency"))
                )
        if item.currency is not None and (error := currency_code_error(item.currency)):
            problems.append(Problem("INVALID_CURRENCY", error, (*at, "currency")))
        problems += _citation_problems(item, at)
        if item.earlier_declaration is not None:
            try:
                parse_declaration_number(item.earlier_declaration, (*at, "earlierDeclaration"))
            except RuleViolation as exc:
                problems += exc.problems
    return problems


def _citation_problems(item: ItemData, at: tuple[str, int]) -> list[Problem]:
    """An item cites exactly one of a licence line or a permit's table 3 row (DESIGN
    Part B, "A permit is also used")."""
    if item.permit_number is None:
        if not item.license_number.strip():
            return [Problem("REQUIRED", "the licence number is required", (*at, "licenseNumber"))]
        if item.line_no < 1:
            return [Problem("REQUIRED", "the licence line is required", (*at, "lineNo"))]
        return []
    if item.license_number.strip():
        return [
            Problem(
                "LICENCE_OR_PERMIT",
                "an item cites a licence or a processing permit, not both",
                (*at, "permitNumber"),
            )
        ]
    if not item.permit_number.strip():
        return [Problem("REQUIRED", "the permit number is required", (*at, "permitNumber"))]
    if item.permit_row is not None and item.permit_row < 1:
        return [
            Problem("INVALID_PERMIT_ROW", "table 3 rows are numbered from 1", (*at, "permitRow"))
        ]
    return []


def check_declaration(data: DeclarationData) -> list[Problem]:
    """Everything a registration must pass before anything is written."""
    problems: list[Problem] = []
    try:
        number = parse_declaration_number(data.number, ("number",))
        if number.customs_office != data.customs_office:
            problems.append(
                Problem(
                    "NUMBER_OFFICE_MISMATCH",
                    f"the number begins with customs office {number.customs_office}, "
                    f"not {data.customs_office}",
                    ("number",),
                )
            )
    except RuleViolation as exc:
        problems += exc.problems
    if (error := procedure_code_error(data.procedure)) is not None:
        problems.append(Problem("INVALID_PROCEDURE", error, ("procedure",)))
    for name, inn in (
        ("declarantInn", data.declarant_inn),
        ("representedInn", data.represented_inn),
    ):
        if inn is not None and (error := inn_error(inn)) is not None:
            problems.append(Problem("INVALID_INN", error, (name,)))
    problems += check_kind(data.kind, data.direction, data.temporary_numbers)
    for index, number_text in enumerate(data.temporary_numbers):
        try:
            parse_declaration_number(number_text, ("temporaryDeclarations", index))
        except RuleViolation as exc:
            problems += exc.problems
    problems += check_items(data.items)
    problems += check_permit_procedure(data.procedure, data.items)
    return problems


def check_permit_procedure(procedure: str, items: Sequence[ItemData]) -> list[Problem]:
    """DESIGN Part B: a permit is cited by goods placed under processing on the customs
    territory, procedure 51, only."""
    if procedure == PROCESSING_PROCEDURE:
        return []
    return [
        Problem(
            "PERMIT_NEEDS_PROCEDURE_51",
            f"a processing permit is cited only under procedure {PROCESSING_PROCEDURE} "
            f"(processing on the customs territory), not {procedure}",
            ("items", index, "permitNumber"),
        )
        for index, item in enumerate(items)
        if item.cites_permit
    ]


def _item_doc(item: ItemData) -> Document:
    """An item as stored.  ``licenseNumber`` and ``lineNo`` are the document and line the
    item is accounted against: for an item citing a permit, the permit's number and the
    table 3 row (1 unless named), with ``permitNumber`` marking it as a permit."""
    if item.permit_number is not None:
        number = item.permit_number.strip()
        return {
            **_item_doc(replace(item, permit_number=None, license_number=number)),
            "lineNo": item.permit_row or 1,
            "permitNumber": number,
        }
    return {
        "itemNo": item.item_no,
        "name": item.name.strip(),
        "hsCode": item.hs_code,
        "quantity": item.quantity,
        "unit": item.unit,
        "value": item.value,
        "currency": item.currency,
        "licenseNumber": item.license_number.strip(),
        "lineNo": item.line_no,
        "earlierDeclaration": item.earlier_declaration,
    }


# --- facts: what the rules see ---------------------------------------------------------


def license_facts(doc: Document) -> LicenseFacts:
    return LicenseFacts(
        number=doc["number"],
        direction=Direction(doc["direction"]),
        status=LicenseStatus(doc["status"]),
        control_mode=ControlMode(doc["controlMode"]),
        valid_from=doc["validFrom"].date(),
        valid_to=doc["validTo"].date(),
        holder_inn=doc["holder"]["inn"],
        lines=[
            LineFacts(
                line_no=line["lineNo"],
                name=line["name"],
                hs_code=line["hsCode"],
                unit=line["unit"],
                quantity_limit=line["quantityLimit"],
                quantity_accounted=line["accounted"],
                quantity_available=line["available"],
                value_limit=line.get("valueLimit"),
                value_available=line.get("valueAvailable"),
                currency=line.get("currency"),
            )
            for line in doc["lines"]
        ],
        exhausted=bool(doc.get("exhaustionReported")),
    )


def permit_facts(doc: Document, now: datetime) -> LicenseFacts:
    """A processing permit's table 3 as the rules see a licence (DESIGN Part B, "A permit
    is also used"): rows as lines numbered from 1, the holder, validity from the issue
    date to the end of the term (open while it is not fixed), its status, and whether
    the term has ended at ``now`` (the issuing office's local date, Permit rules p.9)."""
    end = as_date(doc.get("termEnd"))
    today = local_date(now, doc["header"]["timeZone"])
    return LicenseFacts(
        number=doc["number"],
        direction=Direction.IMPORT,
        status=LicenseStatus.ACTIVE,
        control_mode=ControlMode.ELECTRONIC,
        valid_from=as_date(doc.get("issueDate")) or date.min,
        valid_to=end or date.max,
        holder_inn=doc["holderInn"],
        lines=[
            LineFacts(
                line_no=row_no,
                name=row["name"],
                hs_code=row["hsCode"],
                unit=row["unit"],
                quantity_limit=row["quantity"],
                quantity_accounted=row["accounted"],
                quantity_available=row["available"],
            )
            for row_no, row in enumerate(doc["table3"], start=1)
        ],
        permit_status=doc["status"],
        term_ended_on=end if end is not None and is_expired(end, today) else None,
    )


def declaration_facts(doc: Document) -> DeclarationFacts:
    return DeclarationFacts(
        number=doc["number"],
        kind=DeclarationKind(doc["kind"]),
        direction=Direction(doc["direction"]),
        procedure=doc["procedure"],
        declared_on=doc["registeredAt"].astimezone(MOSCOW).date(),
        declarant_inn=doc["declarantInn"],
        represented_inn=doc.get("representedInn"),
        items=[
            ItemFacts(
                item_no=item["itemNo"],
                name=item["name"],
                hs_code=item["hsCode"],
                quantity=item["quantity"],
                unit=item["unit"],
                license_number=item["licenseNumber"],
                line_no=item["lineNo"],
                value=item.get("value"),
                currency=item.get("currency"),
                earlier_declaration=item.get("earlierDeclaration"),
            )
            for item in doc["items"]
        ],
    )


def held(movements: Sequence[Movement]) -> dict[LineKey, Amount]:
    """What movements hold on each line: write-offs and actualisations less annulments."""
    sign = {Operation.WRITE_OFF: 1, Operation.ACTUALISATION: 1, Operation.ANNULMENT: -1}
    totals: dict[LineKey, Amount] = {}
    for m in movements:
        s = sign.get(m.operation)
        if s is None:
            continue
        key = (m.license_number, m.line_no)
        value = None if m.value is None else s * m.value
        totals[key] = totals.get(key, Amount(_ZERO)).plus(Amount(s * m.quantity, value))
    return totals


@dataclass
class Facts:
    """Everything the rules need about one declaration, read in one transaction."""

    declaration: Document
    licenses: dict[str, Document]
    own: list[Movement]
    earlier: dict[str, EarlierAccounting]
    temporary_totals: dict[LineKey, Amount] | None
    permits: dict[str, Document] = field(default_factory=dict)
    """Processing permits cited (DESIGN Part B), by number, as read."""
    now: datetime | None = None

    @property
    def facts(self) -> DeclarationFacts:
        return declaration_facts(self.declaration)

    def license_facts(self) -> dict[str, LicenseFacts]:
        """The licences, and the permits' tables 3 seen as licences, by number."""
        now = self.now or self.declaration["registeredAt"]
        return {
            **{number: license_facts(doc) for number, doc in self.licenses.items()},
            **{number: permit_facts(doc, now) for number, doc in self.permits.items()},
        }

    def held_licenses(self) -> dict[str, LicenseFacts]:
        """Licences as this declaration sees them: what it (and for a full declaration,
        its temporary ones) already holds is available to it again."""
        holding = held(self.own)
        for key, amount in (self.temporary_totals or {}).items():
            holding[key] = holding.get(key, Amount(_ZERO)).plus(amount)
        return licenses_with_held(self.license_facts(), holding)

    def control(self) -> list[Discrepancy]:
        return control_declaration(self.facts, self.held_licenses(), self.earlier)


async def _movements_of(
    db: AsyncDatabase[Document], numbers: Sequence[str], session: AsyncClientSession | None
) -> list[Movement]:
    cursor = db.ledger.find({"declarationNumber": {"$in": list(numbers)}}, session=session)
    return [movement_of(doc) async for doc in cursor.sort("seq", 1)]


async def load_facts(
    db: AsyncDatabase[Document],
    declaration: Document,
    session: AsyncClientSession | None,
    now: datetime | None = None,
) -> Facts:
    """``now`` is when the rules apply (a permit's term is judged then)."""
    items = declaration["items"]
    numbers = sorted({i["licenseNumber"] for i in items if not i.get("permitNumber")})
    licenses = {
        doc["number"]: doc
        async for doc in db.licenses.find({"number": {"$in": numbers}}, session=session)
    }
    permit_numbers = sorted({i["permitNumber"] for i in items if i.get("permitNumber")})
    permits: dict[str, Document] = {}
    if permit_numbers:
        permits = {
            doc["number"]: doc
            async for doc in db.permits.find({"number": {"$in": permit_numbers}}, session=session)
        }
    own = await _movements_of(db, [declaration["number"]], session)
    earlier_numbers = sorted(
        {i["earlierDeclaration"] for i in declaration["items"] if i.get("earlierDeclaration")}
    )
    earlier: dict[str, EarlierAccounting] = {}
    if earlier_numbers:
        found = {
            doc["number"]: doc
            async for doc in db.declarations.find(
                {"number": {"$in": earlier_numbers}}, session=session
            )
        }
        movements = await _movements_of(db, list(found), session)
        for number, doc in found.items():
            mine = [m for m in movements if m.declaration_number == number]
            earlier[number] = EarlierAccounting(
                number,
                annulled=doc["status"] in (_S.REFUSED.value, _S.WITHDRAWN.value),
                quantities={k: a.quantity for k, a in held(mine).items()},
            )
    temporary_totals = None
    if declaration["kind"] == DeclarationKind.FULL.value:
        temporary_totals = held(await _movements_of(db, declaration["temporaryNumbers"], session))
    return Facts(declaration, licenses, own, earlier, temporary_totals, permits, now)


# --- the use cases ---------------------------------------------------------------------


def discrepancy_doc(d: Discrepancy) -> Document:
    return {
        "code": d.code.value,
        "itemNo": d.item_no,
        "message": d.message,
        "affectsRestrictions": d.affects_restrictions,
        "fixable": d.fixable,
        "licenseNumber": d.license_number,
        "lineNo": d.line_no,
    }


Work = Callable[[AsyncClientSession, Document], Awaitable[Document]]


class Declarations:
    """The use cases of Order 1907 p.4-13, bound to one request."""

    def __init__(
        self,
        client: AsyncMongoClient[Document],
        db: AsyncDatabase[Document],
        principal: Principal,
        now: datetime,
        *,
        release_hours: int = 4,
        permit_max_term_months: int = DEFAULT_MAX_TERM_MONTHS,
        queue_license_writes: bool = True,
    ) -> None:
        self.client = client
        self.db = db
        self.principal = principal
        self.now = to_millis(now)
        self.release_hours = release_hours
        self.permit_max_term_months = permit_max_term_months
        self.queue_license_writes = queue_license_writes

    # helpers ---------------------------------------------------------------------------

    def _visible(self, doc: Document | None) -> bool:
        if doc is None:
            return False
        if self.principal.role is Role.DECLARANT:
            return doc["declarantInn"] == self.principal.inn
        return True

    def _by(self) -> Document:
        return {"keyId": self.principal.key_id, "name": self.principal.name}

    def _status_change(self, status: DeclarationStatus, reason: str | None = None) -> Document:
        return {"status": status.value, "at": self.now, "by": self._by(), "reason": reason}

    async def _run(
        self, key: str, operation: str, content: Any, work: Work, number: str
    ) -> Outcome:
        """Idempotently run ``work`` on declaration ``number`` in one transaction."""
        if not key.strip():
            return Outcome(
                None, [Problem("REQUIRED", "idempotencyKey is required", ("idempotencyKey",))]
            )

        async def transaction(session: AsyncClientSession) -> Document:
            doc = await self.db.declarations.find_one({"number": number}, session=session)
            if not self._visible(doc):
                raise RuleViolation(
                    [
                        Problem(
                            "DECLARATION_NOT_FOUND",
                            f"no declaration {number} is registered",
                            ("number",),
                        )
                    ]
                )
            assert doc is not None
            return await work(session, doc)

        # One operation per licence at a time in this process (see KeyedLocks).
        licenses: list[str] = []
        if self.queue_license_writes:
            cited = await self.db.declarations.find_one(
                {"number": number}, {"items.licenseNumber": 1}
            )
            licenses = [item["licenseNumber"] for item in (cited or {}).get("items", [])]
        async with LICENSE_WRITERS.hold(licenses):
            return await idempotent(
                self.client,
                self.db,
                scope=self.principal.key_id,
                key=key,
                operation=operation,
                content=content,
                now=self.now,
                work=transaction,
                key_field="idempotencyKey",
            )

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
            update["$push"] = {"statusHistory": self._status_change(status, reason)}
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
        kind: str,
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
                    raise RuleViolation([Problem("LICENCE_UNKNOWN", f"no licence {number}")])
                facts.licenses[number] = await write_movements(
                    self.db, session, license, by_license[number], self.now, refs
                )
            except DuplicateKeyError:
                raise RuleViolation(
                    [
                        Problem(
                            "ALREADY_ACCOUNTED", "an item of this revision is already written off"
                        )
                    ]
                ) from None
        notification = {
            "_id": ObjectId(),
            "kind": kind,
            "declarationId": doc["_id"],
            "declarationNumber": doc["number"],
            "licenseNumbers": sorted(by_license)
            or sorted({item["licenseNumber"] for item in doc["items"]}),
            "permitNumbers": sorted(facts.permits),
            "entries": [
                {
                    "licenseNumber": m.license_number,
                    "lineNo": m.line_no,
                    "itemNo": m.item_no,
                    "operation": m.operation.value,
                    "quantity": m.quantity,
                    "value": m.value,
                }
                for m in movements
            ],
            "at": self.now,
            "by": self._by(),
        }
        await self.db.notifications.insert_one(notification, session=session)
        return notification["_id"]

    # register ----------------------------------------------------------------------------

    async def register(self, key: str, data: DeclarationData) -> Outcome:
        """Registration (Order 1907 p.5): the release deadline starts (DESIGN); a full
        declaration takes over its temporary ones (p.12)."""
        problems = check_declaration(data)
        if self.principal.role is Role.DECLARANT and data.declarant_inn != self.principal.inn:
            problems.append(
                Problem(
                    "NOT_YOUR_DECLARATION",
                    "a DECLARANT key registers declarations of its own INN only",
                    ("declarantInn",),
                )
            )
        if problems:
            return Outcome(None, problems)
        digest = content_hash("registerDeclaration", asdict(data))

        async def work(session: AsyncClientSession) -> Document:
            existing = await self.db.declarations.find_one({"number": data.number}, session=session)
            if existing is not None:
                if existing.get("registrationHash") == digest:
                    return {"declarationId": existing["_id"]}
                raise RuleViolation(
                    [
                        Problem(
                            "NUMBER_ALREADY_REGISTERED",
                            f"declaration {data.number} is registered with other content",
                            ("number",),
                        )
                    ]
                )
            declaration_id = ObjectId()
            await self._take_temporaries(session, data, declaration_id)
            doc: Document = {
                "_id": declaration_id,
                "number": data.number,
                "kind": data.kind.value,
                "direction": data.direction.value,
                "procedure": data.procedure,
                "firstProcedure": data.first_procedure,
                "customsOffice": data.customs_office,
                "declarantInn": data.declarant_inn,
                "representedInn": data.represented_inn,
                "temporaryNumbers": data.temporary_numbers,
                "coveredBy": None,
                "registeredAt": self.now,
                "releaseDeadline": release_deadline(self.now, self.release_hours),
                "deadlineExtensions": [],
                "items": [_item_doc(item) for item in data.items],
                "status": _S.REGISTERED.value,
                "statusHistory": [self._status_change(_S.REGISTERED)],
                "revision": 1,
                "discrepancies": [],
                "controlledAt": None,
                "accounting": None,
                "refusal": None,
                "autoTrace": [],
                "registrationHash": digest,
                "registeredBy": self._by(),
                "version": 1,
                "updatedAt": self.now,
            }
            try:
                await self.db.declarations.insert_one(doc, session=session)
            except DuplicateKeyError:
                raise ConcurrentUpdate from None
            await self.db.declaration_revisions.insert_one(
                {
                    "declarationId": declaration_id,
                    "revision": 1,
                    "items": doc["items"],
                    "at": self.now,
                    "by": self._by(),
                    "reason": "registration",
                },
                session=session,
            )
            return {"declarationId": declaration_id}

        if not key.strip():
            return Outcome(
                None, [Problem("REQUIRED", "idempotencyKey is required", ("idempotencyKey",))]
            )
        return await idempotent(
            self.client,
            self.db,
            scope=self.principal.key_id,
            key=key,
            operation="registerDeclaration",
            content=asdict(data),
            now=self.now,
            work=work,
            key_field="idempotencyKey",
        )

    async def _take_temporaries(
        self, session: AsyncClientSession, data: DeclarationData, full_id: ObjectId
    ) -> None:
        """Order 1907 p.12: the temporary declarations a full one completes exist, are the
        declarant's, were not refused or withdrawn, and no other full one covers them."""
        problems: list[Problem] = []
        for index, number in enumerate(data.temporary_numbers):
            at = ("temporaryDeclarations", index)
            temp = await self.db.declarations.find_one({"number": number}, session=session)
            if temp is None or temp["kind"] != DeclarationKind.TEMPORARY.value:
                problems.append(
                    Problem("TEMPORARY_NOT_FOUND", f"no temporary declaration {number}", at)
                )
                continue
            if temp["declarantInn"] != data.declarant_inn:
                problems.append(
                    Problem("TEMPORARY_OF_OTHER_DECLARANT", f"{number} is another's", at)
                )
            if temp["status"] in (_S.REFUSED.value, _S.WITHDRAWN.value):
                problems.append(Problem("TEMPORARY_CLOSED", f"{number} is {temp['status']}", at))
            result = await self.db.declarations.update_one(
                {"_id": temp["_id"], "coveredBy": None, "version": temp["version"]},
                {"$set": {"coveredBy": full_id}, "$inc": {"version": 1}},
                session=session,
            )
            if result.matched_count != 1:
                problems.append(
                    Problem("TEMPORARY_ALREADY_COVERED", f"{number} is covered by another", at)
                )
        if problems:
            raise RuleViolation(problems)

    # control -----------------------------------------------------------------------------

    async def control(self, key: str, number: str) -> Outcome:
        """Order 1907 p.6: compare every item with its licence line; store the
        discrepancies (each marked whether it affects prohibitions and restrictions)."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            status = _S(doc["status"])
            target = _S.CONTROLLED if status is _S.REGISTERED else status
            if problems := check_transition(status, target):
                raise RuleViolation(problems)
            facts = await load_facts(self.db, doc, session, self.now)
            found = facts.control()
            changes = {
                "discrepancies": [discrepancy_doc(d) for d in found],
                "controlledAt": self.now,
                "controlledRevision": doc["revision"],
            }
            return await self._save(session, doc, changes, target if target != status else None)

        return await self._run(key, "controlDeclaration", {"number": number}, work, number)

    # account -----------------------------------------------------------------------------

    def accounting_required_for(self, data: DeclarationData) -> bool:
        """Order 1907 p.7 for a draft."""
        all_earlier = all(item.earlier_declaration for item in data.items)
        return must_account(data.procedure, data.first_procedure, all_earlier)

    def _accounting_required(self, doc: Document) -> bool:
        """Order 1907 p.7 for the declaration as a whole."""
        all_earlier = all(item.get("earlierDeclaration") for item in doc["items"])
        return must_account(doc["procedure"], doc.get("firstProcedure", True), all_earlier)

    async def account(self, key: str, number: str) -> Outcome:
        """Order 1907 p.7-8, p.10-12: control again on fresh licence data, then write every
        item off (a full declaration: actualise its temporary ones) all or nothing, with
        the accounting notification, in one transaction."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            status = _S(doc["status"])
            if status is _S.REGISTERED:
                raise RuleViolation(
                    [Problem("NOT_CONTROLLED", "control the declaration first (Order 1907 p.6)")]
                )
            if problems := check_transition(status, _S.ACCOUNTED):
                raise RuleViolation(problems)
            if status is _S.ACCOUNTED:
                raise RuleViolation([Problem("ALREADY_ACCOUNTED", "the declaration is accounted")])
            if not self._accounting_required(doc):
                raise RuleViolation(
                    [
                        Problem(
                            "ACCOUNTING_NOT_REQUIRED",
                            f"goods under procedure {doc['procedure']} are not accounted here "
                            "(Order 1907 p.7: only under the first declared procedure, never "
                            "in transit, never again after an earlier declaration)",
                        )
                    ]
                )
            facts = await load_facts(self.db, doc, session, self.now)
            found = facts.control()
            blocking = [d for d in found if d.affects_restrictions]
            if blocking:
                raise RuleViolation(
                    [
                        Problem(
                            d.code.value, f"item {d.item_no}: {d.message}", ("items", d.item_no - 1)
                        )
                        for d in blocking
                    ]
                )
            movements = self._plan_accounting(facts)
            kind = "ACTUALISED" if doc["kind"] == DeclarationKind.FULL.value else "ACCOUNTED"
            notification = await self._write(session, facts, movements, kind, notify_empty=True)
            changes = {
                "discrepancies": [discrepancy_doc(d) for d in found],
                "controlledAt": self.now,
                "accounting": {"at": self.now, "notificationId": notification, "by": self._by()},
            }
            return await self._save(session, doc, changes, _S.ACCOUNTED)

        return await self._run(key, "accountDeclaration", {"number": number}, work, number)

    def _plan_accounting(self, facts: Facts) -> list[Movement]:
        doc = facts.declaration
        lines = lines_of(facts.license_facts())
        if doc["kind"] == DeclarationKind.FULL.value:
            return plan_actualisation(
                facts.temporary_totals or {}, facts.facts.items, lines, doc["number"]
            )
        return plan_write_off(facts.facts.items, lines, doc["number"])

    # release -----------------------------------------------------------------------------

    async def release(self, key: str, number: str) -> Outcome:
        """Order 1907 p.8-10: release only with the accounting notification present, no
        discrepancy affecting restrictions, the licences in force and the deadline not
        passed; the accounted quantity becomes released."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            facts = await load_facts(self.db, doc, session, self.now)
            found = facts.control()
            required = self._accounting_required(doc)
            problems = release_blockers(
                _S(doc["status"]),
                found,
                accounting_required=required,
                accounting_notified=bool((doc.get("accounting") or {}).get("notificationId")),
                deadline=doc["releaseDeadline"],
                now=self.now,
            )
            if problems:
                raise RuleViolation(problems)
            await self._write(session, facts, plan_release(facts.own), "RELEASED")
            await self._place(session, facts)
            changes = {
                "discrepancies": [discrepancy_doc(d) for d in found],
                "releasedAt": self.now,
            }
            return await self._save(session, doc, changes, _S.RELEASED)

        return await self._run(key, "releaseDeclaration", {"number": number}, work, number)

    async def _place(self, session: AsyncClientSession, facts: Facts) -> None:
        """DESIGN "Term": the release of the first procedure 51 declaration citing a
        permit places the goods; the permit's term starts that day (the issuing office's
        local date) and its end is fixed, in this transaction (Permit rules p.9)."""
        permits = Permits(
            self.client,
            self.db,
            self.principal,
            self.now,
            max_term_months=self.permit_max_term_months,
        )
        for number in sorted(facts.permits):
            doc = facts.permits[number]
            if doc["term"].get("startDate") is None:
                await permits.fix_term_in(session, doc, permits.today(doc))

    # refusal and withdrawal: annulment (p.4) -----------------------------------------------

    async def _annul(self, session: AsyncClientSession, facts: Facts) -> ObjectId | None:
        movements = plan_annulment(facts.own)
        return await self._write(session, facts, movements, "ANNULLED")

    async def _uncover(self, session: AsyncClientSession, doc: Document) -> None:
        """A full declaration refused or withdrawn releases its temporary ones."""
        if doc["kind"] == DeclarationKind.FULL.value:
            await self.db.declarations.update_many(
                {"number": {"$in": doc["temporaryNumbers"]}, "coveredBy": doc["_id"]},
                {"$set": {"coveredBy": None}, "$inc": {"version": 1}},
                session=session,
            )

    async def refuse(self, key: str, number: str, grounds: list[Ground], reason: str) -> Outcome:
        """Order 1907 p.9 and p.4: refusal of release on the grounds named, each of which
        must hold now; everything the declaration accounted is annulled."""
        if not grounds:
            return Outcome(None, [Problem("REQUIRED", "name at least one ground", ("grounds",))])

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            covered = check_not_covered(doc.get("coveredBy") is not None, "refused")
            if problems := check_transition(_S(doc["status"]), _S.REFUSED) + covered:
                raise RuleViolation(problems)
            facts = await load_facts(self.db, doc, session, self.now)
            found = refusal_grounds(facts.control(), deadline=doc["releaseDeadline"], now=self.now)
            established = {g.code: g for g in found}
            missing = [g for g in grounds if g not in established]
            if missing:
                raise RuleViolation(
                    [
                        Problem(
                            "GROUND_NOT_ESTABLISHED",
                            f"ground {g.value} does not hold now; established: "
                            + (", ".join(x.value for x in established) or "none"),
                            ("grounds",),
                        )
                        for g in missing
                    ]
                )
            notification = await self._annul(session, facts)
            await self._uncover(session, doc)
            refusal = {
                "grounds": [
                    {
                        "code": g.value,
                        "message": established[g].message,
                        "itemNos": list(established[g].item_nos),
                    }
                    for g in grounds
                ],
                "reason": reason,
                "at": self.now,
                "by": self._by(),
                "annulmentNotificationId": notification,
            }
            return await self._save(session, doc, {"refusal": refusal}, _S.REFUSED, reason)

        content = {"number": number, "grounds": sorted(g.value for g in grounds), "reason": reason}
        return await self._run(key, "refuseRelease", content, work, number)

    async def withdraw(self, key: str, number: str, reason: str) -> Outcome:
        """Order 1907 p.4: withdrawal (only before release, DESIGN) annuls everything the
        declaration accounted."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            if problems := check_withdrawal(_S(doc["status"]), doc.get("coveredBy") is not None):
                raise RuleViolation(problems)
            facts = await load_facts(self.db, doc, session, self.now)
            notification = await self._annul(session, facts)
            await self._uncover(session, doc)
            changes = {"withdrawal": {"at": self.now, "by": self._by(), "reason": reason,
                                      "annulmentNotificationId": notification}}  # fmt: skip
            return await self._save(session, doc, changes, _S.WITHDRAWN, reason)

        return await self._run(
            key, "withdrawDeclaration", {"number": number, "reason": reason}, work, number
        )

    # corrections, deadline -----------------------------------------------------------------

    async def correct(self, key: str, number: str, items: list[ItemData], reason: str) -> Outcome:
        """DESIGN "Corrections": a new revision before release; if the declaration is
        accounted, its write-offs are annulled and the corrected items written off in the
        same transaction (the net is the difference), and control runs again (p.6)."""
        if problems := check_items(items):
            return Outcome(None, problems)

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            status = _S(doc["status"])
            if status in FINAL_STATUSES:
                raise RuleViolation(
                    [Problem("DECLARATION_CLOSED", f"the declaration is {status.value}")]
                )
            if problems := check_not_covered(doc.get("coveredBy") is not None, "corrected"):
                raise RuleViolation(problems)
            if problems := check_permit_procedure(doc["procedure"], items):
                raise RuleViolation(problems)
            if status is _S.ACCOUNTED and doc["kind"] == DeclarationKind.FULL.value:
                raise RuleViolation(
                    [
                        Problem(
                            "CORRECTION_AFTER_ACTUALISATION",
                            "withdraw the full declaration and register a new one instead",
                        )
                    ]
                )
            revision = doc["revision"] + 1
            corrected = {**doc, "items": [_item_doc(i) for i in items], "revision": revision}
            facts = await load_facts(self.db, corrected, session, self.now)
            if status is _S.ACCOUNTED:
                annul = plan_annulment(facts.own)
                lines = lines_of(licenses_with_held(facts.license_facts(), held(facts.own)))
                write = plan_write_off(facts.facts.items, lines, doc["number"])
                await self._write(session, facts, [*annul, *write], "ACCOUNTED")
                facts = await load_facts(self.db, corrected, session, self.now)
            found = facts.control()
            await self.db.declaration_revisions.insert_one(
                {
                    "declarationId": doc["_id"],
                    "revision": revision,
                    "items": corrected["items"],
                    "at": self.now,
                    "by": self._by(),
                    "reason": reason,
                },
                session=session,
            )
            changes = {
                "items": corrected["items"],
                "revision": revision,
                "discrepancies": [discrepancy_doc(d) for d in found],
                "controlledAt": self.now,
                "controlledRevision": revision,
            }
            target = _S.CONTROLLED if status is _S.REGISTERED else None
            return await self._save(session, doc, changes, target)

        content = {"number": number, "items": [asdict(i) for i in items], "reason": reason}
        return await self._run(key, "correctDeclaration", content, work, number)

    async def extend_deadline(self, key: str, number: str, hours: int, reason: str) -> Outcome:
        """DESIGN "Release deadline": an officer extends it by whole hours with a reason."""

        async def work(session: AsyncClientSession, doc: Document) -> Document:
            if problems := check_deadline_extension(_S(doc["status"]), hours, reason):
                raise RuleViolation(problems)
            deadline = extend_release_deadline(doc["releaseDeadline"], hours)
            extension = {"hours": hours, "reason": reason, "at": self.now, "by": self._by(),
                         "newDeadline": deadline}  # fmt: skip
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
            status = _S(doc["status"])
            if status not in (_S.REGISTERED, _S.CONTROLLED):
                raise RuleViolation(
                    [
                        Problem(
                            "AUTOMATIC_MODE_NOT_APPLICABLE",
                            f"automatic mode runs on a registered or controlled declaration, "
                            f"not a {status.value} one",
                        )
                    ]
                )
            facts = await load_facts(self.db, doc, session, self.now)
            decision = auto_mode_decision(
                facts.facts,
                facts.license_facts(),
                facts.earlier,
                deadline=doc["releaseDeadline"],
                now=self.now,
                is_first_procedure=doc.get("firstProcedure", True),
                temporary_totals=facts.temporary_totals,
            )
            trace = [{**asdict(step), "at": self.now} for step in decision.trace]
            found = facts.control()
            changes: Document = {
                "autoTrace": trace,
                "discrepancies": [discrepancy_doc(d) for d in found],
                "controlledAt": self.now,
            }
            if decision.outcome is AutoOutcome.HAND_TO_OFFICER:
                changes["handedToOfficer"] = {
                    "at": self.now,
                    "grounds": [g.code.value for g in decision.grounds],
                }
                return await self._save(session, doc, changes, _S.CONTROLLED)
            kind = "ACTUALISED" if doc["kind"] == DeclarationKind.FULL.value else "ACCOUNTED"
            notification = await self._write(session, facts, decision.movements, kind)
            if notification is not None:
                changes["accounting"] = {"at": self.now, "notificationId": notification,
                                         "by": self._by(), "automatic": True}  # fmt: skip
            await self._write(session, facts, plan_release(decision.movements), "RELEASED")
            await self._place(session, facts)
            changes["releasedAt"] = self.now
            return await self._save(session, doc, changes, _S.RELEASED, "automatic mode (p.13)")

        return await self._run(key, "runAutomaticMode", {"number": number}, work, number)

    # preview -------------------------------------------------------------------------------

    async def preview(
        self, data: DeclarationData
    ) -> tuple[list[Problem], list[Discrepancy], list[Movement], list[Problem]]:
        """What control and accounting would say for a draft, with nothing written:
        (input problems, discrepancies, planned movements, accounting problems)."""
        problems = [p for p in check_declaration(data) if p.code != "NUMBER_OFFICE_MISMATCH"]
        if problems:
            return problems, [], [], []
        doc: Document = {
            "_id": None,
            "number": data.number,
            "kind": data.kind.value,
            "direction": data.direction.value,
            "procedure": data.procedure,
            "firstProcedure": data.first_procedure,
            "declarantInn": data.declarant_inn,
            "representedInn": data.represented_inn,
            "temporaryNumbers": data.temporary_numbers,
            "registeredAt": self.now,
            "items": [_item_doc(item) for item in data.items],
            "revision": 1,
        }
        facts = await load_facts(self.db, doc, None, self.now)
        facts.own = []
        found = facts.control()
        movements: list[Movement] = []
        accounting: list[Problem] = []
        if self._accounting_required(doc):
            try:
                movements = self._plan_accounting(facts)
            except RuleViolation as exc:
                accounting = exc.problems
        return [], found, movements, accounting
