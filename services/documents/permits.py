"""The stored shape of a processing permit and its conversion to and from the domain form.

A permit is one document (DESIGN Part B): the form's sections as nested objects and
arrays, dates as UTC midnight (BSON has no date-only type), quantities and money as
Decimal128 (the codec maps :class:`~decimal.Decimal`).  Besides the form it keeps what
lists and filters need, denormalised: ``holderInn`` (the current holder: the transferee
after a transfer), ``hsCodes`` (every HS code of every goods table) and
``hsCodePrefixes`` (each of those codes cut to 2..n digits, so "some row's code starts
with these digits" is one equality on a multikey index), ``termEnd`` (the end date in
force, with extensions) and, for table 3, each row's ``accounted`` and ``available``
figures for placements (DESIGN Part B, "A permit is also used").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.control import LicenseFacts, LineFacts
from domain.customs_offices import local_date
from domain.declarations import Direction
from domain.licenses import ControlMode, LicenseStatus
from domain.permits.form import (
    Cost,
    CustomsOfficeRef,
    DocumentRef,
    Extension,
    GoodsRow,
    Header,
    Holder,
    Identification,
    IdentificationMethod,
    MarkKind,
    NormKind,
    OtherQuantity,
    PermitForm,
    ProcessingOrganisation,
    SpecialMark,
    TableKind,
    Term,
    TradeDocument,
    Transfer,
    WasteProcedure,
    YieldNorm,
)
from domain.permits.lifecycle import Permit, PermitStatus, Placement
from domain.permits.terms import is_expired
from services.documents import as_date, as_datetime

Document = dict[str, Any]
_ZERO = Decimal(0)


def _required_date(value: datetime) -> date:
    return value.astimezone(UTC).date()


# --- to documents ---------------------------------------------------------------------


def holder_doc(holder: Holder) -> Document:
    return {
        "name": holder.name.strip(),
        "inn": holder.inn,
        "address": holder.address.strip(),
        "kpp": holder.kpp,
        "ogrn": holder.ogrn,
    }


def header_doc(header: Header, time_zone: str) -> Document:
    return {
        "customsOfficeCode": header.customs_office_code,
        "customsOfficeName": header.customs_office_name,
        "regionalAdministrationCode": header.regional_administration_code,
        "regionalAdministrationName": header.regional_administration_name,
        "reportsToFts": header.reports_to_fts,
        "timeZone": time_zone,
    }


def _cost_doc(cost: Cost | None) -> Document | None:
    if cost is None:
        return None
    return {
        "amountRub": cost.amount_rub,
        "currency": cost.currency,
        "rate": cost.rate,
        "rateDate": None if cost.rate_date is None else as_datetime(cost.rate_date),
    }


def row_doc(row: GoodsRow) -> Document:
    return {
        "number": row.number,
        "name": row.name.strip(),
        "hsCode": row.hs_code,
        "quantity": row.quantity,
        "unit": row.unit,
        "otherQuantities": [
            {"amount": q.amount, "unitName": q.unit_name.strip()} for q in row.other_quantities
        ],
        "cost": _cost_doc(row.cost),
        "customsOffices": [{"name": o.name.strip(), "code": o.code} for o in row.customs_offices],
    }


def table3_docs(
    rows: tuple[GoodsRow, ...], previous: list[Document] | None = None
) -> list[Document]:
    """Table 3 rows with their placement figures.  Rows keep what was accounted against
    them (matched by position, which is the row number, p.5(а)); the rules decide first
    that no row goes below it (:func:`domain.permits.validation.check_placed_quantities`)."""
    previous = previous or []
    docs: list[Document] = []
    for index, row in enumerate(rows):
        before: Document = previous[index] if index < len(previous) else {}
        accounted = before.get("accounted", _ZERO)
        kept: Document = {k: before[k] for k in ("released", "ledgerLimit") if k in before}
        docs.append(
            {**row_doc(row), "accounted": accounted, "available": row.quantity - accounted, **kept}
        )
    return docs


def term_doc(term: Term, extension_notes: list[Document] | None = None) -> Document:
    notes = extension_notes or []
    return {
        "months": term.months,
        "startDate": None if term.start_date is None else as_datetime(term.start_date),
        "endDate": None if term.end_date is None else as_datetime(term.end_date),
        "extensions": [
            {
                "months": e.months,
                "endDate": as_datetime(e.end_date),
                **(notes[i] if i < len(notes) else {}),
            }
            for i, e in enumerate(term.extensions)
        ],
    }


def hs_codes(form: PermitForm) -> list[str]:
    """Every HS code named in any goods table, sorted, once each."""
    return sorted({row.hs_code for table in TableKind for row in form.rows(table)})


def hs_code_prefixes(codes: list[str]) -> list[str]:
    """Each code cut to 2..n digits: the keys of the "HS code starts with" filter."""
    return sorted({code[:n] for code in codes for n in range(2, len(code) + 1)})


def content_doc(form: PermitForm, previous_table3: list[Document] | None = None) -> Document:
    """The form's sections as stored, without header, term, transfer and marks, which the
    service sets with their own notes."""
    codes = hs_codes(form)
    return {
        "holder": holder_doc(form.holder),
        "tradeDocuments": [
            {
                "name": d.name.strip(),
                "number": d.number.strip(),
                "date": as_datetime(d.date),
                "amendments": [
                    {
                        "name": a.name.strip(),
                        "number": a.number.strip(),
                        "date": as_datetime(a.date),
                    }
                    for a in d.amendments
                ],
            }
            for d in form.trade_documents
        ],
        "table3": table3_docs(form.table3, previous_table3),
        **{
            table.value: [row_doc(row) for row in form.rows(table)]
            for table in TableKind
            if table is not TableKind.FOREIGN_GOODS
        },
        "yieldNorms": [
            {
                "sourceRow": n.source_row,
                "targetTable": n.target_table.value,
                "targetRow": n.target_row,
                "kind": n.kind.value,
                "value": n.value,
                "maximum": n.maximum,
                "unit": n.unit,
                "perQuantity": n.per_quantity,
            }
            for n in form.yield_norms
        ],
        "wasteProcedure": {
            "procedure": form.waste_procedure.procedure,
            "informationLater": form.waste_procedure.information_later,
        },
        "identification": [
            {
                "method": i.method.value,
                "description": i.description.strip(),
                "officerActions": i.officer_actions.strip(),
            }
            for i in form.identification
        ],
        "equivalentGoods": form.equivalent_goods,
        "productionProcess": form.production_process,
        "processingOrganisations": [
            {"name": o.name.strip(), "address": o.address.strip(), "inn": o.inn}
            for o in form.processing_organisations
        ],
        "unionGoods": form.union_goods,
        "hsCodes": codes,
        "hsCodePrefixes": hs_code_prefixes(codes),
    }


def transfer_doc(transfer: Transfer | None, at: datetime | None = None) -> Document | None:
    if transfer is None:
        return None
    return {
        "newHolder": holder_doc(transfer.new_holder),
        "decisionNumber": transfer.decision_number.strip(),
        "decisionDate": as_datetime(transfer.decision_date),
        "at": at,
    }


def mark_doc(mark: SpecialMark, at: datetime) -> Document:
    return {
        "kind": mark.kind.value,
        "date": as_datetime(mark.date),
        "grounds": mark.grounds.strip(),
        "decisionNumber": mark.decision_number,
        "at": at,
    }


# --- from documents -------------------------------------------------------------------


def holder_of(doc: Document) -> Holder:
    return Holder(
        name=doc["name"], inn=doc["inn"], address=doc["address"], kpp=doc.get("kpp"),
        ogrn=doc.get("ogrn"),
    )  # fmt: skip


def header_of(doc: Document) -> Header:
    return Header(
        customs_office_code=doc["customsOfficeCode"],
        customs_office_name=doc["customsOfficeName"],
        regional_administration_code=doc.get("regionalAdministrationCode"),
        regional_administration_name=doc.get("regionalAdministrationName"),
        reports_to_fts=doc["reportsToFts"],
    )


def _cost_of(doc: Document | None) -> Cost | None:
    if doc is None:
        return None
    return Cost(
        amount_rub=doc["amountRub"],
        currency=doc["currency"],
        rate=doc.get("rate"),
        rate_date=as_date(doc.get("rateDate")),
    )


def row_of(doc: Document) -> GoodsRow:
    return GoodsRow(
        name=doc["name"],
        hs_code=doc["hsCode"],
        quantity=doc["quantity"],
        unit=doc["unit"],
        number=doc.get("number"),
        other_quantities=tuple(
            OtherQuantity(q["amount"], q["unitName"]) for q in doc["otherQuantities"]
        ),
        cost=_cost_of(doc.get("cost")),
        customs_offices=tuple(
            CustomsOfficeRef(o["name"], o.get("code")) for o in doc["customsOffices"]
        ),
    )


def term_of(doc: Document) -> Term:
    return Term(
        months=doc["months"],
        start_date=as_date(doc.get("startDate")),
        end_date=as_date(doc.get("endDate")),
        extensions=tuple(
            Extension(e["months"], _required_date(e["endDate"])) for e in doc["extensions"]
        ),
    )


def form_of(doc: Document) -> PermitForm:
    """The domain form of a stored permit (draft or issued)."""
    transfer = doc.get("transfer")
    waste = doc["wasteProcedure"]
    return PermitForm(
        header=header_of(doc["header"]),
        holder=holder_of(doc["holder"]),
        trade_documents=tuple(
            TradeDocument(
                d["name"],
                d["number"],
                _required_date(d["date"]),
                tuple(
                    DocumentRef(a["name"], a["number"], _required_date(a["date"]))
                    for a in d["amendments"]
                ),
            )
            for d in doc["tradeDocuments"]
        ),
        table3=tuple(row_of(r) for r in doc["table3"]),
        yield_norms=tuple(
            YieldNorm(
                source_row=n["sourceRow"],
                target_table=TableKind(n["targetTable"]),
                target_row=n["targetRow"],
                kind=NormKind(n["kind"]),
                value=n["value"],
                maximum=n.get("maximum"),
                unit=n.get("unit"),
                per_quantity=n["perQuantity"],
            )
            for n in doc["yieldNorms"]
        ),
        table5=tuple(row_of(r) for r in doc["table5"]),
        waste_procedure=WasteProcedure(waste.get("procedure"), waste["informationLater"]),
        identification=tuple(
            Identification(IdentificationMethod(i["method"]), i["description"], i["officerActions"])
            for i in doc["identification"]
        ),
        term=term_of(doc["term"]),
        table6=tuple(row_of(r) for r in doc["table6"]),
        table7=tuple(row_of(r) for r in doc["table7"]),
        table8=tuple(row_of(r) for r in doc["table8"]),
        number=doc.get("number"),
        transfer=(
            None
            if transfer is None
            else Transfer(
                holder_of(transfer["newHolder"]),
                transfer["decisionNumber"],
                _required_date(transfer["decisionDate"]),
            )
        ),
        equivalent_goods=doc.get("equivalentGoods"),
        production_process=doc.get("productionProcess"),
        processing_organisations=tuple(
            ProcessingOrganisation(o["name"], o["address"], o.get("inn"))
            for o in doc["processingOrganisations"]
        ),
        union_goods=doc.get("unionGoods"),
        table15_1=tuple(row_of(r) for r in doc["table15_1"]),
        special_marks=tuple(
            SpecialMark(
                MarkKind(m["kind"]),
                _required_date(m["date"]),
                m["grounds"],
                m.get("decisionNumber"),
            )
            for m in doc["specialMarks"]
        ),
    )


def permit_of(doc: Document) -> Permit:
    """The permit as the rules see it (a stored permit or a revision's snapshot)."""
    return Permit(
        form=form_of(doc),
        status=PermitStatus(doc["status"]),
        issue_date=as_date(doc.get("issueDate")),
        revision=doc["revision"],
        placements=tuple(Placement(r["accounted"], r["available"]) for r in doc["table3"]),
    )


def extension_notes(doc: Document) -> list[Document]:
    """What table 10.2's stored extensions record besides months and end date (the
    decision, the reason, when), in order."""
    return [
        {k: v for k, v in e.items() if k not in ("months", "endDate")}
        for e in doc["term"]["extensions"]
    ]


# --- as licensed goods control sees it ----------------------------------------------


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
