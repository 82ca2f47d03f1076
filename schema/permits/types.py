"""Processing permit object types: the whole form with its nested tables (Permit rules
p.1-p.9; points 11-15 from the FTS album, DESIGN Part B).  Field names follow the form's
sections, so a ``userErrors`` path such as ``["permit", "table3", "0", "hsCode"]`` names a
field of this type.  A permit is shown as the rules see it (the one permit mapper, through
:mod:`resolvers.permit_form`), with what only the document records (sequence, time zone,
notes of extensions and marks, moments); the computed fields (warnings, issue problems)
and reads of other collections have resolvers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import strawberry
from bson import ObjectId

from domain.permits import form as f
from domain.permits.lifecycle import Permit, Placement, RevisionOperation
from domain.permits.validation import yield_balance_warnings
from domain.units import UNITS
from resolvers import permit_form
from resolvers.context import Info
from schema.licenses.types import Sender
from schema.permits.codes import IssuePermitErrorCode
from schema.permits.enums import (
    CustomsOfficeKind,
    IdentificationMethod,
    PermitStatus,
    PermitWarningCode,
    SpecialMarkKind,
    YieldNormKind,
    YieldTarget,
)
from schema.relay import Connection, Node, to_global_id
from schema.scalars import CustomsOfficeCode, DateTime, Decimal, HsCode, Inn

Document = dict[str, Any]
V = TypeVar("V")
S = TypeVar("S")

_TARGETS = {
    f.TableKind.PRODUCTS: YieldTarget.PRODUCTS,
    f.TableKind.WASTE: YieldTarget.WASTE,
    f.TableKind.RESIDUES: YieldTarget.RESIDUES,
    f.TableKind.LOSSES: YieldTarget.LOSSES,
}


def _maybe(scalar: Callable[[V], S], value: V | None) -> S | None:
    """``value`` as the scalar type, None kept."""
    return None if value is None else scalar(value)


def _unit_name(code: str) -> str:
    unit = UNITS.get(code)
    return unit.name if unit else code


@strawberry.type(
    description="Who issued the permit (p.1): the regional customs administration and the "
    "customs under it, or the customs alone when it reports directly to the FTS."
)
class PermitHeader:
    customs_office_code: CustomsOfficeCode = strawberry.field(description="Issuing customs.")
    customs_office_name: str = strawberry.field(description="Its name.")
    regional_administration_code: CustomsOfficeCode | None = strawberry.field(
        description="Its regional customs administration; null when it reports to the FTS."
    )
    regional_administration_name: str | None = strawberry.field(
        description="The regional administration's name; null when it reports to the FTS."
    )
    reports_to_fts: bool = strawberry.field(
        description="The customs reports directly to the FTS of Russia (named alone, p.1)."
    )
    time_zone: str = strawberry.field(
        description="The customs' time zone: its local date dates the number (DESIGN)."
    )

    @classmethod
    def of(cls, header: f.Header, time_zone: str) -> PermitHeader:
        return cls(
            customs_office_code=CustomsOfficeCode(header.customs_office_code),
            customs_office_name=header.customs_office_name,
            regional_administration_code=_maybe(
                CustomsOfficeCode, header.regional_administration_code
            ),
            regional_administration_name=header.regional_administration_name,
            reports_to_fts=header.reports_to_fts,
            time_zone=time_zone,
        )


@strawberry.type(description="A person in point 1 or 1.1 of the permit (p.3).")
class PermitHolder:
    name: str = strawberry.field(description="Name of the organisation or person.")
    inn: Inn = strawberry.field(description="INN.")
    address: str = strawberry.field(description="Address.")
    kpp: str | None = strawberry.field(description="KPP, if any.")
    ogrn: str | None = strawberry.field(description="OGRN, if any.")

    @classmethod
    def of(cls, holder: f.Holder) -> PermitHolder:
        return cls(
            name=holder.name,
            inn=Inn(holder.inn),
            address=holder.address,
            kpp=holder.kpp,
            ogrn=holder.ogrn,
        )


@strawberry.type(
    description="Point 1.1: the permit passed to another Russian person by a decision of "
    "the customs, on the holder's application (p.3)."
)
class PermitTransfer:
    new_holder: PermitHolder = strawberry.field(description="The person who holds it now.")
    decision_number: str = strawberry.field(description="Number of the customs' decision.")
    decision_date: date = strawberry.field(description="Date of the decision.")

    @classmethod
    def of(cls, transfer: f.Transfer) -> PermitTransfer:
        return cls(
            new_holder=PermitHolder.of(transfer.new_holder),
            decision_number=transfer.decision_number,
            decision_date=transfer.decision_date,
        )


@strawberry.type(description="A document's name and particulars.")
class PermitDocumentRef:
    name: str = strawberry.field(description="Document name.")
    number: str = strawberry.field(description="Its number.")
    date: date = strawberry.field(description="Date of conclusion.")


@strawberry.type(
    description="Point 2: a document of the foreign trade deal, or of another right to the "
    "goods, with its relevant amendments (p.4)."
)
class TradeDocument:
    name: str = strawberry.field(description="Document name, e.g. Контракт.")
    number: str = strawberry.field(description="Its number.")
    date: date = strawberry.field(description="Date of conclusion.")
    amendments: list[PermitDocumentRef] = strawberry.field(
        description="Amendments and additions relevant to the goods for processing."
    )

    @classmethod
    def of(cls, document: f.TradeDocument) -> TradeDocument:
        return cls(
            name=document.name,
            number=document.number,
            date=document.date,
            amendments=[
                PermitDocumentRef(name=a.name, number=a.number, date=a.date)
                for a in document.amendments
            ],
        )


@strawberry.type(description="The quantity in a unit of the processor's own accounting (p.5(г)).")
class OtherQuantity:
    amount: Decimal = strawberry.field(description="The quantity.")
    unit_name: str = strawberry.field(description="The unit's name, in words.")


@strawberry.type(
    description="Column 5 'Cost, RUB' (p.5(д)): the estimated cost in roubles with the "
    "Central Bank's rate of the currency on the issue date."
)
class PermitCost:
    amount_rub: Decimal = strawberry.field(description="Estimated cost in roubles.")
    currency: str = strawberry.field(description="Contract currency, ISO 4217 (RUB: no rate).")
    rate: Decimal | None = strawberry.field(description="Roubles per unit of the currency.")
    rate_date: date | None = strawberry.field(description="The rate's date: the issue date.")

    @classmethod
    def of(cls, cost: f.Cost | None) -> PermitCost | None:
        if cost is None:
            return None
        return cls(
            amount_rub=Decimal(cost.amount_rub),
            currency=cost.currency,
            rate=_maybe(Decimal, cost.rate),
            rate_date=cost.rate_date,
        )


@strawberry.type(description="Column 6: a customs office or post for the operations (p.5(е)).")
class PermitCustomsOfficeRef:
    name: str = strawberry.field(description="Name of the customs or post.")
    code: CustomsOfficeCode | None = strawberry.field(description="Its code, if given.")


def _row_fields(row: f.GoodsRow) -> dict[str, Any]:
    return {
        "number": row.number,
        "name": row.name,
        "hs_code": row.hs_code,
        "quantity": row.quantity,
        "unit": row.unit,
        "unit_name": _unit_name(row.unit),
        "other_quantities": [
            OtherQuantity(amount=Decimal(q.amount), unit_name=q.unit_name)
            for q in row.other_quantities
        ],
        "cost": PermitCost.of(row.cost),
        "customs_offices": [
            PermitCustomsOfficeRef(name=o.name, code=_maybe(CustomsOfficeCode, o.code))
            for o in row.customs_offices
        ],
    }


@strawberry.type(
    description="A row of tables 3, 5, 6, 7, 8 or 15.1 (p.5(а)-(е)): goods, products, "
    "waste, residues or losses."
)
class PermitGoodsRow:
    number: int | None = strawberry.field(
        description="Column 1 'N': filled only when the table has more than one row (p.5(а))."
    )
    name: str = strawberry.field(description="Column 2: name per the EAEU CN FEA (p.5(б)).")
    hs_code: HsCode = strawberry.field(description="Column 3: HS code (p.5(в)).")
    quantity: Decimal = strawberry.field(
        description="Column 4: quantity per the yield norms (p.5(г))."
    )
    unit: str = strawberry.field(description="Its unit: OKEI code (main or additional unit).")
    unit_name: str = strawberry.field(description="Short name of the unit, e.g. кг.")
    other_quantities: list[OtherQuantity] = strawberry.field(
        description="The quantity in the processor's own accounting units (p.5(г))."
    )
    cost: PermitCost | None = strawberry.field(
        description="Column 5, tables 3, 5, 6, 7 only (p.5(д))."
    )
    customs_offices: list[PermitCustomsOfficeRef] = strawberry.field(
        description="Column 6, tables 3, 5, 6, 7 only (p.5(е))."
    )

    @classmethod
    def of(cls, row: f.GoodsRow) -> PermitGoodsRow:
        return cls(**_row_fields(row))


@strawberry.type(
    description="A row of table 3 (foreign goods), with what placements under procedure 51 "
    "have accounted against it (0 until placements exist)."
)
class ForeignGoodsRow(PermitGoodsRow):
    accounted: Decimal = strawberry.field(
        description="Placed under processing and accounted against this row."
    )
    available: Decimal = strawberry.field(description="Quantity - accounted.")

    @classmethod
    def of_placed(cls, row: f.GoodsRow, placement: Placement) -> ForeignGoodsRow:
        return cls(
            **_row_fields(row),
            accounted=Decimal(placement.accounted),
            available=Decimal(placement.available),
        )


@strawberry.type(
    description="Point 4: the yield of a row of table 5, 6, 7 or 8 from a row of table 3, "
    "in percent or absolute; a range only for processing products (p.6)."
)
class YieldNorm:
    source_row: int = strawberry.field(description="Row number in table 3 (1 for its only row).")
    target_table: YieldTarget = strawberry.field(description="Table 5, 6, 7 or 8.")
    target_row: int = strawberry.field(description="Row number in that table.")
    kind: YieldNormKind = strawberry.field(description="Percent or absolute.")
    value: Decimal = strawberry.field(description="The norm, or the range's minimum.")
    maximum: Decimal | None = strawberry.field(description="The range's maximum, if a range.")
    unit: str | None = strawberry.field(description="Unit of an absolute norm (OKEI).")
    per_quantity: Decimal = strawberry.field(
        description="Absolute norm: per this quantity of the table 3 row's unit."
    )

    @classmethod
    def of(cls, norm: f.YieldNorm) -> YieldNorm:
        return cls(
            source_row=norm.source_row,
            target_table=_TARGETS[norm.target_table],
            target_row=norm.target_row,
            kind=norm.kind,
            value=Decimal(norm.value),
            maximum=_maybe(Decimal, norm.maximum),
            unit=norm.unit,
            per_quantity=Decimal(norm.per_quantity),
        )


@strawberry.type(
    description="Point 6: 6.1 the customs procedure for the waste, or 6.2 the information "
    "on waste will be given later (p.7); exactly one."
)
class WasteProcedure:
    procedure: str | None = strawberry.field(description="6.1: the customs procedure.")
    information_later: bool = strawberry.field(
        description="6.2: the information will be given later (289-FZ art.127 part 3.1)."
    )


@strawberry.type(description="Point 9: an identification method with the officers' actions.")
class Identification:
    method: IdentificationMethod = strawberry.field(description="The method (art.167).")
    description: str = strawberry.field(description="How it is applied.")
    officer_actions: str = strawberry.field(
        description="What customs officers do when identifying the goods (p.8)."
    )


@strawberry.type(description="Table 10.2: an extension of the term (p.9).")
class TermExtension:
    months: int = strawberry.field(description="Whole calendar months added.")
    end_date: date = strawberry.field(description="The new end date.")
    decision_number: str | None = strawberry.field(description="The customs' decision, if any.")
    reason: str | None = strawberry.field(description="Why it was extended.")
    at: DateTime | None = strawberry.field(description="When it was recorded.")


@strawberry.type(
    description="Point 10: the processing term in whole calendar months (table 10.1), its "
    "start and end fixed at the first placement, and its extensions (table 10.2) (p.9)."
)
class ProcessingTerm:
    months: int = strawberry.field(description="Table 10.1: the term in whole months.")
    start_date: date | None = strawberry.field(
        description="Start, fixed when the first goods are placed; null before."
    )
    end_date: date | None = strawberry.field(
        description="Table 10.1's end date: the same day `months` later, or that month's "
        "last day (DESIGN)."
    )
    extensions: list[TermExtension] = strawberry.field(description="Table 10.2.")
    total_months: int = strawberry.field(description="Months with all extensions.")
    end_date_in_force: date | None = strawberry.field(
        description="The end in force: the last extension's end date, else `endDate`."
    )

    @classmethod
    def of(cls, term: f.Term, notes: list[Document]) -> ProcessingTerm:
        """``notes``: what the stored extensions record besides the form (in order)."""
        return cls(
            months=term.months,
            start_date=term.start_date,
            end_date=term.end_date,
            extensions=[
                TermExtension(
                    months=e.months,
                    end_date=e.end_date,
                    decision_number=note.get("decisionNumber"),
                    reason=note.get("reason"),
                    at=note.get("at"),
                )
                for e, note in zip(term.extensions, notes, strict=True)
            ],
            total_months=term.total_months,
            end_date_in_force=term.end_date_in_force,
        )


@strawberry.type(description="Point 13: an organisation performing processing operations.")
class ProcessingOrganisation:
    name: str = strawberry.field(description="Its name.")
    address: str = strawberry.field(description="Its address.")
    inn: Inn | None = strawberry.field(description="Its INN, if Russian.")


@strawberry.type(description="Point 15: a revocation, annulment or restoration.")
class SpecialMark:
    kind: SpecialMarkKind = strawberry.field(description="What the customs did.")
    date: date = strawberry.field(description="Date of the decision.")
    grounds: str = strawberry.field(description="Its grounds.")
    decision_number: str | None = strawberry.field(description="The decision's number, if any.")
    at: DateTime | None = strawberry.field(description="When it was recorded.")


@strawberry.type(
    description="Where the quantities disagree with the yield norms: a warning for the "
    "officer, not an error (p.5(г): quantities follow the norms)."
)
class PermitWarning:
    code: PermitWarningCode = strawberry.field(description="Stable code.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="What disagrees, with the figures.")
    field: list[str] = strawberry.field(
        description='Path in the permit, e.g. ["table5", "0", "quantity"].'
    )


@strawberry.type(description="Something that would stop a draft from being issued now.")
class PermitIssueProblem:
    code: IssuePermitErrorCode = strawberry.field(description="The code issuePermit would give.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="What is wrong.")
    field: list[str] = strawberry.field(
        description='Path in the permit, e.g. ["permit", "table3", "0", "cost"].'
    )


@strawberry.type(
    description="A processing permit (разрешение на переработку): one document with "
    "nested tables (Permit rules p.1-p.9; points 11-15 per the FTS album, DESIGN)."
)
class ProcessingPermit(Node):
    number: str | None = strawberry.field(
        description="CCCCCCCC/DDMMYY/51/SEQ (p.2); null for a draft."
    )
    sequence: int | None = strawberry.field(
        description="The number's sequence part: per customs per calendar year, from 1."
    )
    status: PermitStatus = strawberry.field(description="Where the permit stands.")
    header: PermitHeader = strawberry.field(description="Who issued it (p.1).")
    holder: PermitHolder = strawberry.field(description="Point 1: who obtained it (p.3).")
    transfer: PermitTransfer | None = strawberry.field(
        description="Point 1.1: the transfer to another person, if any (p.3)."
    )
    current_holder: PermitHolder = strawberry.field(
        description="Who holds it now: point 1.1's new holder, else point 1's."
    )
    trade_documents: list[TradeDocument] = strawberry.field(description="Point 2 (p.4).")
    table3: list[ForeignGoodsRow] = strawberry.field(
        description="Table 3: foreign goods to be placed under processing (p.5)."
    )
    yield_norms: list[YieldNorm] = strawberry.field(description="Point 4: yield norms (p.6).")
    table5: list[PermitGoodsRow] = strawberry.field(
        description="Table 5: processing products (p.5)."
    )
    table6: list[PermitGoodsRow] = strawberry.field(description="Table 6: waste (p.5).")
    waste_procedure: WasteProcedure = strawberry.field(description="Point 6 (p.7).")
    table7: list[PermitGoodsRow] = strawberry.field(description="Table 7: residues (p.5).")
    table8: list[PermitGoodsRow] = strawberry.field(description="Table 8: production losses (p.5).")
    identification: list[Identification] = strawberry.field(description="Point 9 (p.8).")
    term: ProcessingTerm = strawberry.field(description="Point 10 (p.9).")
    equivalent_goods: str | None = strawberry.field(
        description="Point 11: replacement by equivalent goods."
    )
    production_process: str | None = strawberry.field(
        description="Point 12: the production process."
    )
    processing_organisations: list[ProcessingOrganisation] = strawberry.field(
        description="Point 13: organisations performing processing."
    )
    union_goods: str | None = strawberry.field(description="Point 14: Union goods used.")
    table15_1: list[PermitGoodsRow] = strawberry.field(
        name="table15_1", description="Table 15.1 (p.5): a goods table."
    )
    special_marks: list[SpecialMark] = strawberry.field(
        description="Point 15: revocation, annulment, restoration marks."
    )
    hs_codes: list[HsCode] = strawberry.field(description="Every HS code in any goods table.")
    issue_date: date | None = strawberry.field(
        description="Issue date: the issuing customs' local date (p.2)."
    )
    issued_at: DateTime | None = strawberry.field(description="The moment it was issued.")
    revision: int = strawberry.field(description="1 for the draft, then +1 per change.")
    created_at: DateTime = strawberry.field(description="When the draft was created.")
    updated_at: DateTime = strawberry.field(description="When it last changed.")
    object_id: strawberry.Private[ObjectId]
    doc: strawberry.Private[Document]
    permit: strawberry.Private[Permit]

    @classmethod
    def from_doc(cls, doc: Document, object_id: ObjectId | None = None) -> ProcessingPermit:
        """``doc`` is a permit or a revision's snapshot (then ``object_id`` is the permit's)."""
        oid = object_id if object_id is not None else doc["_id"]
        permit = permit_form.permit(doc)
        form = permit.form
        return cls(
            id=to_global_id("ProcessingPermit", oid),
            object_id=oid,
            doc=doc,
            permit=permit,
            number=form.number,
            sequence=doc.get("sequence"),
            status=permit.status,
            header=PermitHeader.of(form.header, doc["header"]["timeZone"]),
            holder=PermitHolder.of(form.holder),
            transfer=PermitTransfer.of(form.transfer) if form.transfer else None,
            current_holder=PermitHolder.of(permit.current_holder),
            trade_documents=[TradeDocument.of(d) for d in form.trade_documents],
            table3=[
                ForeignGoodsRow.of_placed(row, placement)
                for row, placement in zip(form.table3, permit.placements, strict=True)
            ],
            yield_norms=[YieldNorm.of(n) for n in form.yield_norms],
            table5=[PermitGoodsRow.of(r) for r in form.table5],
            table6=[PermitGoodsRow.of(r) for r in form.table6],
            waste_procedure=WasteProcedure(
                procedure=form.waste_procedure.procedure,
                information_later=form.waste_procedure.information_later,
            ),
            table7=[PermitGoodsRow.of(r) for r in form.table7],
            table8=[PermitGoodsRow.of(r) for r in form.table8],
            identification=[
                Identification(
                    method=i.method, description=i.description, officer_actions=i.officer_actions
                )
                for i in form.identification
            ],
            term=ProcessingTerm.of(form.term, doc["term"]["extensions"]),
            equivalent_goods=form.equivalent_goods,
            production_process=form.production_process,
            processing_organisations=[
                ProcessingOrganisation(name=o.name, address=o.address, inn=_maybe(Inn, o.inn))
                for o in form.processing_organisations
            ],
            union_goods=form.union_goods,
            table15_1=[PermitGoodsRow.of(r) for r in form.table15_1],
            special_marks=[
                SpecialMark(
                    kind=m.kind,
                    date=m.date,
                    grounds=m.grounds,
                    decision_number=m.decision_number,
                    at=stored.get("at"),
                )
                for m, stored in zip(form.special_marks, doc["specialMarks"], strict=True)
            ],
            hs_codes=doc["hsCodes"],
            issue_date=permit.issue_date,
            issued_at=doc.get("issuedAt"),
            revision=permit.revision,
            created_at=doc["createdAt"],
            updated_at=doc["updatedAt"],
        )

    @strawberry.field(
        description="Where tables 5-8 disagree with table 3 and the yield norms: warnings, "
        "not errors; they never stop an issue."
    )
    def warnings(self) -> list[PermitWarning]:
        return [
            PermitWarning(
                code=PermitWarningCode(p.code),
                message=p.message,
                field=[str(part) for part in p.field],
            )
            for p in yield_balance_warnings(self.permit.form)
        ]

    @strawberry.field(
        description="For a draft: what would stop issuePermit now (every rule of p.1-p.9 on "
        "the customs' local date, and the reference data); empty for an issued permit."
    )
    async def issue_problems(self, info: Info) -> list[PermitIssueProblem]:
        if self.permit.status is not PermitStatus.PREPARED:
            return []
        problems = await permit_form.issue_problems(info, self.doc)
        return [
            PermitIssueProblem(
                code=IssuePermitErrorCode(p.code),
                message=p.message,
                field=[str(part) for part in p.field],
            )
            for p in problems
        ]

    @strawberry.field(description="Every revision of the permit, newest first.")
    async def revisions(self, info: Info) -> list[PermitRevision]:
        docs = await info.context.loaders.permit_revisions.load(self.object_id)
        return [PermitRevision.from_doc(doc) for doc in docs]


@strawberry.type(
    description="A permit as it stood after one change: every amendment is kept, so the "
    "permit in force on any date can be read (permitAsOf)."
)
class PermitRevision:
    revision: int = strawberry.field(description="1 for the draft, then +1 per change.")
    operation: RevisionOperation = strawberry.field(description="What changed it.")
    at: DateTime = strawberry.field(description="When the change was recorded.")
    effective_date: date = strawberry.field(
        description="The issuing customs' local date of the change: in force from that day."
    )
    by: Sender = strawberry.field(description="The API key that made the change.")
    reason: str | None = strawberry.field(description="The reason given, if any.")
    decision_number: str | None = strawberry.field(description="The decision cited, if any.")
    permit: ProcessingPermit = strawberry.field(description="The permit after the change.")

    @classmethod
    def from_doc(cls, doc: Document) -> PermitRevision:
        note = doc.get("note") or {}
        return cls(
            revision=doc["revision"],
            operation=RevisionOperation(doc["operation"]),
            at=doc["at"],
            effective_date=doc["effectiveDate"].date(),
            by=Sender(key_id=doc["by"]["keyId"], name=doc["by"]["name"]),
            reason=note.get("reason"),
            decision_number=note.get("decisionNumber"),
            permit=ProcessingPermit.from_doc(doc["permit"], doc["permitId"]),
        )


@strawberry.type(description="A customs office of the reference data.")
class CustomsOffice:
    code: CustomsOfficeCode = strawberry.field(description="8-digit code.")
    name: str = strawberry.field(description="Official name.")
    kind: CustomsOfficeKind = strawberry.field(description="Administration, customs or post.")
    parent_code: CustomsOfficeCode | None = strawberry.field(
        description="The regional administration of a customs, or the customs of a post."
    )
    reports_to_fts: bool = strawberry.field(
        description="Reports directly to the FTS of Russia (p.1)."
    )
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Moscow.")
    sample: bool = strawberry.field(
        description="Loaded as sample data by the migration and not edited since."
    )
    version: int = strawberry.field(description="1, then +1 per edit.")
    updated_at: DateTime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_doc(cls, doc: Document) -> CustomsOffice:
        return cls(
            code=doc["code"],
            name=doc["name"],
            kind=CustomsOfficeKind(doc["kind"]),
            parent_code=doc.get("parentCode"),
            reports_to_fts=doc["reportsToFts"],
            time_zone=doc["timeZone"],
            sample=bool(doc.get("sample")),
            version=doc["version"],
            updated_at=doc["updatedAt"],
        )


@strawberry.type(description="How many permits a customs has in one status.")
class PermitCount:
    customs_office_code: CustomsOfficeCode = strawberry.field(description="Issuing customs.")
    customs_office_name: str = strawberry.field(description="Its name on the permits.")
    status: PermitStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Number of permits.")


@strawberry.type(
    description="Table 3 quantities against what placements accounted, for one HS code and "
    "unit over the permits selected (0 accounted until placements exist)."
)
class Table3Utilisation:
    hs_code: HsCode = strawberry.field(description="HS code of the table 3 rows.")
    unit: str = strawberry.field(description="Their unit (OKEI).")
    unit_name: str = strawberry.field(description="Short name of the unit.")
    permits: int = strawberry.field(description="Number of permits with such rows.")
    rows: int = strawberry.field(description="Number of such rows.")
    quantity: Decimal = strawberry.field(description="Sum of the rows' quantities.")
    accounted: Decimal = strawberry.field(description="Sum accounted by placements.")
    available: Decimal = strawberry.field(description="Quantity - accounted.")
    utilisation_percent: Decimal = strawberry.field(
        description="Accounted as a percent of the quantity, 2 decimals."
    )


PermitConnection = Connection[ProcessingPermit]
