"""Inputs of processing permits.  The form input mirrors :class:`ProcessingPermit`'s
sections, so a ``userErrors`` path names the input field (``["input", "permit",
"table3", "0", "cost", "rate"]``).  Scalars refuse malformed codes, INNs and decimals;
the rules of the form come back as ``userErrors`` when the permit is issued."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as PyDecimal

import strawberry

from domain.customs_offices import DEFAULT_TIME_ZONE, OfficeData, OfficeKind
from domain.limits import (
    MAX_DOCUMENT_AMENDMENTS,
    MAX_IDENTIFICATION_METHODS,
    MAX_OTHER_QUANTITIES,
    MAX_PROCESSING_ORGANISATIONS,
    MAX_ROW_CUSTOMS_OFFICES,
    MAX_TABLE_ROWS,
    MAX_TRADE_DOCUMENTS,
    MAX_YIELD_NORMS,
)
from domain.permits.form import (
    Cost,
    CustomsOfficeRef,
    DocumentRef,
    GoodsRow,
    Header,
    Holder,
    Identification,
    OtherQuantity,
    PermitForm,
    ProcessingOrganisation,
    TableKind,
    Term,
    TradeDocument,
    WasteProcedure,
    YieldNorm,
)
from schema.permits.enums import (
    CustomsOfficeKind,
    IdentificationMethod,
    PermitOrderField,
    PermitStatus,
    YieldNormKind,
    YieldTarget,
)
from schema.relay import OrderDirection
from schema.scalars import CustomsOfficeCode, Decimal, HsCode, Inn

_TABLES = {
    YieldTarget.PRODUCTS: TableKind.PRODUCTS,
    YieldTarget.WASTE: TableKind.WASTE,
    YieldTarget.RESIDUES: TableKind.RESIDUES,
    YieldTarget.LOSSES: TableKind.LOSSES,
}
KEY = "The same key again changes nothing; scoped to your API key."


@strawberry.input(description="A person in point 1 or 1.1 (p.3).")
class PermitHolderInput:
    name: str = strawberry.field(description="Name of the organisation or person.")
    inn: Inn = strawberry.field(description="INN (a Russian person).")
    address: str = strawberry.field(description="Address.")
    kpp: str | None = strawberry.field(default=None, description="KPP, if any.")
    ogrn: str | None = strawberry.field(default=None, description="OGRN, if any.")

    def to_domain(self) -> Holder:
        return Holder(self.name, self.inn, self.address, self.kpp, self.ogrn)


@strawberry.input(description="A document's name and particulars.")
class PermitDocumentRefInput:
    name: str = strawberry.field(description="Document name.")
    number: str = strawberry.field(description="Its number.")
    date: date = strawberry.field(description="Date of conclusion.")


@strawberry.input(description="Point 2: a trade document with its amendments (p.4).")
class TradeDocumentInput:
    name: str = strawberry.field(description="Document name, e.g. Контракт.")
    number: str = strawberry.field(description="Its number.")
    date: date = strawberry.field(description="Date of conclusion.")
    amendments: list[PermitDocumentRefInput] = strawberry.field(
        default_factory=list,
        description=f"Relevant amendments and additions, at most {MAX_DOCUMENT_AMENDMENTS}.",
    )

    def to_domain(self) -> TradeDocument:
        return TradeDocument(
            self.name,
            self.number,
            self.date,
            tuple(DocumentRef(a.name, a.number, a.date) for a in self.amendments),
        )


@strawberry.input(description="A quantity in the processor's own accounting unit (p.5(г)).")
class OtherQuantityInput:
    amount: Decimal = strawberry.field(description="The quantity, > 0.")
    unit_name: str = strawberry.field(description="The unit's name, in words.")


@strawberry.input(description="Column 5: estimated cost in roubles (p.5(д)).")
class PermitCostInput:
    amount_rub: Decimal = strawberry.field(description="Cost in roubles, > 0, 2 decimals.")
    currency: str = strawberry.field(
        default="RUB", description="Contract currency, ISO 4217; RUB takes no rate."
    )
    rate: Decimal | None = strawberry.field(
        default=None, description="The Central Bank's rate, roubles per unit of the currency."
    )
    rate_date: date | None = strawberry.field(
        default=None, description="The rate's date; must be the issue date (set to it if empty)."
    )


@strawberry.input(description="Column 6: a customs office or post (p.5(е)).")
class PermitCustomsOfficeRefInput:
    name: str = strawberry.field(description="Name of the customs or post.")
    code: CustomsOfficeCode | None = strawberry.field(
        default=None, description="Its code; when given, it must be in the reference data."
    )


@strawberry.input(description="A row of tables 3, 5, 6, 7, 8 or 15.1 (p.5).")
class PermitGoodsRowInput:
    number: int | None = strawberry.field(
        default=None,
        description="Column 1 'N': only when the table has more than one row, 1..n (p.5(а)).",
    )
    name: str = strawberry.field(description="Column 2: name per the EAEU CN FEA (p.5(б)).")
    hs_code: HsCode = strawberry.field(description="Column 3: HS code, 4-10 digits (p.5(в)).")
    quantity: Decimal = strawberry.field(description="Column 4: quantity, > 0 (p.5(г)).")
    unit: str = strawberry.field(description="OKEI code of the main or additional unit.")
    other_quantities: list[OtherQuantityInput] = strawberry.field(
        default_factory=list,
        description=f"The quantity in the processor's own units, at most {MAX_OTHER_QUANTITIES}.",
    )
    cost: PermitCostInput | None = strawberry.field(
        default=None, description="Column 5: tables 3, 5, 6, 7 only, and required there."
    )
    customs_offices: list[PermitCustomsOfficeRefInput] = strawberry.field(
        default_factory=list,
        description="Column 6: tables 3, 5, 6, 7 only, required there; at most "
        f"{MAX_ROW_CUSTOMS_OFFICES}.",
    )

    def to_domain(self) -> GoodsRow:
        cost = self.cost
        return GoodsRow(
            name=self.name,
            hs_code=self.hs_code,
            quantity=self.quantity,
            unit=self.unit,
            number=self.number,
            other_quantities=tuple(
                OtherQuantity(q.amount, q.unit_name) for q in self.other_quantities
            ),
            cost=(
                None
                if cost is None
                else Cost(cost.amount_rub, cost.currency, cost.rate, cost.rate_date)
            ),
            customs_offices=tuple(CustomsOfficeRef(o.name, o.code) for o in self.customs_offices),
        )


@strawberry.input(description="Point 4: a yield norm (p.6).")
class YieldNormInput:
    source_row: int = strawberry.field(description="Row number in table 3 (1 for its only row).")
    target_table: YieldTarget = strawberry.field(description="Table 5, 6, 7 or 8.")
    target_row: int = strawberry.field(description="Row number there (1 for its only row).")
    kind: YieldNormKind = strawberry.field(description="Percent or absolute.")
    value: Decimal = strawberry.field(description="The norm, or a range's minimum.")
    maximum: Decimal | None = strawberry.field(
        default=None, description="A range's maximum: processing products only (p.6)."
    )
    unit: str | None = strawberry.field(
        default=None, description="Absolute norms: the unit (OKEI); percent norms: none."
    )
    per_quantity: Decimal | None = strawberry.field(
        default=None, description="Absolute norms: per this quantity of the source (default 1)."
    )

    def to_domain(self) -> YieldNorm:
        return YieldNorm(
            source_row=self.source_row,
            target_table=_TABLES[self.target_table],
            target_row=self.target_row,
            kind=self.kind,
            value=self.value,
            maximum=self.maximum,
            unit=self.unit,
            per_quantity=self.per_quantity if self.per_quantity is not None else PyDecimal(1),
        )


@strawberry.input(description="Point 6: fill exactly one of 6.1 and 6.2 (p.7).")
class WasteProcedureInput:
    procedure: str | None = strawberry.field(
        default=None, description="6.1: the customs procedure the waste is placed under."
    )
    information_later: bool = strawberry.field(
        default=False, description="6.2: the information on waste will be given later."
    )


@strawberry.input(description="Point 9: an identification method (p.8).")
class IdentificationInput:
    method: IdentificationMethod = strawberry.field(description="The method (art.167).")
    description: str = strawberry.field(description="How it is applied.")
    officer_actions: str = strawberry.field(description="The customs officers' actions.")


@strawberry.input(description="Point 10, table 10.1: the term (p.9).")
class PermitTermInput:
    months: int = strawberry.field(
        description="Whole calendar months; the dates are fixed at the first placement."
    )


@strawberry.input(description="Point 13: an organisation performing processing.")
class ProcessingOrganisationInput:
    name: str = strawberry.field(description="Its name.")
    address: str = strawberry.field(description="Its address.")
    inn: Inn | None = strawberry.field(default=None, description="Its INN, if Russian.")


@strawberry.input(
    description="The permit's content (Permit rules p.1-p.9, points 11-14). The header comes "
    "from the reference data of the customs named; number, transfer, term dates and marks "
    f"are set by their own operations. At most {MAX_TABLE_ROWS:,} rows in each table, "
    f"{MAX_YIELD_NORMS:,} yield norms, {MAX_TRADE_DOCUMENTS} trade documents, "
    f"{MAX_IDENTIFICATION_METHODS} identification methods and "
    f"{MAX_PROCESSING_ORGANISATIONS} processing organisations."
)
class PermitFormInput:
    customs_office_code: CustomsOfficeCode = strawberry.field(
        description="The issuing customs (p.1); its names come from the reference data."
    )
    holder: PermitHolderInput = strawberry.field(description="Point 1 (p.3).")
    trade_documents: list[TradeDocumentInput] = strawberry.field(description="Point 2 (p.4).")
    table3: list[PermitGoodsRowInput] = strawberry.field(description="Table 3: foreign goods.")
    yield_norms: list[YieldNormInput] = strawberry.field(description="Point 4 (p.6).")
    table5: list[PermitGoodsRowInput] = strawberry.field(description="Table 5: products.")
    table6: list[PermitGoodsRowInput] = strawberry.field(
        default_factory=list, description="Table 6: waste."
    )
    waste_procedure: WasteProcedureInput = strawberry.field(description="Point 6 (p.7).")
    table7: list[PermitGoodsRowInput] = strawberry.field(
        default_factory=list, description="Table 7: residues."
    )
    table8: list[PermitGoodsRowInput] = strawberry.field(
        default_factory=list, description="Table 8: production losses (no cost, no office)."
    )
    identification: list[IdentificationInput] = strawberry.field(description="Point 9 (p.8).")
    term: PermitTermInput = strawberry.field(description="Point 10 (p.9).")
    equivalent_goods: str | None = strawberry.field(default=None, description="Point 11.")
    production_process: str | None = strawberry.field(default=None, description="Point 12.")
    processing_organisations: list[ProcessingOrganisationInput] = strawberry.field(
        default_factory=list, description="Point 13."
    )
    union_goods: str | None = strawberry.field(default=None, description="Point 14.")
    table15_1: list[PermitGoodsRowInput] = strawberry.field(
        name="table15_1",
        default_factory=list,
        description="Table 15.1 (no cost, no office).",
    )

    def to_domain(self) -> PermitForm:
        return PermitForm(
            header=Header(self.customs_office_code, ""),
            holder=self.holder.to_domain(),
            trade_documents=tuple(d.to_domain() for d in self.trade_documents),
            table3=tuple(r.to_domain() for r in self.table3),
            yield_norms=tuple(n.to_domain() for n in self.yield_norms),
            table5=tuple(r.to_domain() for r in self.table5),
            table6=tuple(r.to_domain() for r in self.table6),
            table7=tuple(r.to_domain() for r in self.table7),
            table8=tuple(r.to_domain() for r in self.table8),
            table15_1=tuple(r.to_domain() for r in self.table15_1),
            waste_procedure=WasteProcedure(
                self.waste_procedure.procedure, self.waste_procedure.information_later
            ),
            identification=tuple(
                Identification(i.method, i.description, i.officer_actions)
                for i in self.identification
            ),
            term=Term(self.term.months),
            equivalent_goods=self.equivalent_goods,
            production_process=self.production_process,
            processing_organisations=tuple(
                ProcessingOrganisation(o.name, o.address, o.inn)
                for o in self.processing_organisations
            ),
            union_goods=self.union_goods,
        )


@strawberry.input(description="A new permit draft (PREPARED).")
class CreatePermitDraftInput:
    idempotency_key: str = strawberry.field(description=KEY)
    permit: PermitFormInput = strawberry.field(description="The permit's content.")


@strawberry.input(description="New content for a draft (replaces it whole).")
class UpdatePermitDraftInput:
    idempotency_key: str = strawberry.field(description=KEY)
    id: strawberry.ID = strawberry.field(description="The draft's global ID.")
    expected_revision: int | None = strawberry.field(
        default=None, description="Refuse if the draft is no longer at this revision."
    )
    permit: PermitFormInput = strawberry.field(description="The permit's content.")


@strawberry.input(description="Issue a draft: every rule checked, the number assigned (p.2).")
class IssuePermitInput:
    idempotency_key: str = strawberry.field(description=KEY)
    id: strawberry.ID = strawberry.field(description="The draft's global ID.")


@strawberry.input(description="An amendment of an issued permit (a new revision).")
class AmendPermitInput:
    idempotency_key: str = strawberry.field(description=KEY)
    number: str = strawberry.field(description="The permit's number.")
    expected_revision: int | None = strawberry.field(
        default=None, description="Refuse if the permit is no longer at this revision."
    )
    reason: str = strawberry.field(description="What is amended and why.")
    permit: PermitFormInput = strawberry.field(
        description="The whole content as amended; the issuing customs and the holder's INN stay."
    )


@strawberry.input(description="Point 1.1: transfer to another Russian person (p.3).")
class TransferPermitInput:
    idempotency_key: str = strawberry.field(description=KEY)
    number: str = strawberry.field(description="The permit's number.")
    new_holder: PermitHolderInput = strawberry.field(description="The person taking it over.")
    decision_number: str = strawberry.field(description="Number of the customs' decision.")
    decision_date: date = strawberry.field(description="Date of the decision.")


@strawberry.input(description="Fix the term at the first placement (table 10.1, p.9).")
class FixPermitTermInput:
    idempotency_key: str = strawberry.field(description=KEY)
    number: str = strawberry.field(description="The permit's number.")
    start_date: date = strawberry.field(
        description="The day the first goods were placed under processing (DESIGN 'Term')."
    )


@strawberry.input(description="An extension of the term (table 10.2, p.9).")
class ExtendPermitTermInput:
    idempotency_key: str = strawberry.field(description=KEY)
    number: str = strawberry.field(description="The permit's number.")
    months: int = strawberry.field(description="Whole calendar months to add, > 0.")
    decision_number: str | None = strawberry.field(
        default=None, description="The customs' decision, if any."
    )
    reason: str = strawberry.field(default="", description="Why it is extended.")


@strawberry.input(description="A point 15 mark: revocation, annulment or restoration.")
class PermitMarkInput:
    idempotency_key: str = strawberry.field(description=KEY)
    number: str = strawberry.field(description="The permit's number.")
    grounds: str = strawberry.field(description="The grounds.")
    date: date | None = strawberry.field(
        default=None, description="Date of the decision; today (the customs' date) if empty."
    )
    decision_number: str | None = strawberry.field(
        default=None, description="The decision's number, if any."
    )


@strawberry.input(description="Expire every permit whose term has passed.")
class ExpirePermitsInput:
    idempotency_key: str = strawberry.field(description=KEY)


@strawberry.input(description="A customs office to add, or to change (matched by code).")
class SaveCustomsOfficeInput:
    idempotency_key: str = strawberry.field(description=KEY)
    code: CustomsOfficeCode = strawberry.field(description="8-digit code.")
    name: str = strawberry.field(description="Official name.")
    kind: CustomsOfficeKind = strawberry.field(description="Administration, customs or post.")
    parent_code: CustomsOfficeCode | None = strawberry.field(
        default=None,
        description="A customs: its regional administration (or set reportsToFts); a post: "
        "its customs; an administration: none.",
    )
    reports_to_fts: bool = strawberry.field(
        default=False, description="A customs reporting directly to the FTS (p.1)."
    )
    time_zone: str = strawberry.field(
        default=DEFAULT_TIME_ZONE, description="IANA time zone of the office."
    )

    def to_data(self) -> OfficeData:
        return OfficeData(
            code=self.code,
            name=self.name,
            kind=OfficeKind(self.kind.name),
            parent_code=self.parent_code,
            reports_to_fts=self.reports_to_fts,
            time_zone=self.time_zone,
        )


@strawberry.input(description="Filters of the permits list; all given must hold.")
class PermitFilter:
    status: list[PermitStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    customs_office_code: CustomsOfficeCode | None = strawberry.field(
        default=None, description="Issued (or drafted) by this customs."
    )
    holder_inn: Inn | None = strawberry.field(
        default=None, description="Held by this INN now (point 1, or 1.1 after a transfer)."
    )
    hs_code_prefix: str | None = strawberry.field(
        default=None,
        description="Some row of any goods table has an HS code starting with these digits "
        "(2-10; a full code matches itself).",
    )
    term_ends_before: date | None = strawberry.field(
        default=None, description="The term in force ends before this date (fixed terms only)."
    )


@strawberry.input(description="Order of the permits list.")
class PermitOrder:
    field: PermitOrderField = strawberry.field(description="Field to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Ascending or descending."
    )
