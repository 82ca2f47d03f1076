"""A stored declaration (``declarations``) and its revisions (``declaration_revisions``):
the documents written for the domain's declarations, and the domain's view of them.

An item citing a processing permit is stored against the permit as against a licence:
``licenseNumber`` and ``lineNo`` name the document and line it is accounted against
(the permit's number and its table 3 row), ``permitNumber`` marks it as a permit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId

from domain.accounting import Ground, RefusalGround, TraceStep
from domain.control import DeclarationFacts, Discrepancy, DiscrepancyCode, ItemFacts
from domain.declarations import (
    DeclarationData,
    DeclarationKind,
    DeclarationStatus,
    Direction,
    ItemData,
    TemporaryFacts,
)

Document = dict[str, Any]
MOSCOW = ZoneInfo("Europe/Moscow")
"""The declaration date is the registration's in Moscow time (Order 1907 p.6)."""


# --- written ------------------------------------------------------------------------------


def item_doc(item: ItemData) -> Document:
    """An item as stored: for one citing a permit, the permit's number and the table 3
    row (1 unless named) in place of the licence's."""
    if item.permit_number is not None:
        number = item.permit_number.strip()
        return {
            **item_doc(replace(item, permit_number=None, license_number=number)),
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


def filed_doc(data: DeclarationData, registered_at: datetime) -> Document:
    """What the declarant filed, as stored (a draft's whole document for the rules)."""
    return {
        "number": data.number,
        "kind": data.kind.value,
        "direction": data.direction.value,
        "procedure": data.procedure,
        "firstProcedure": data.first_procedure,
        "customsOffice": data.customs_office,
        "declarantInn": data.declarant_inn,
        "representedInn": data.represented_inn,
        "temporaryNumbers": data.temporary_numbers,
        "registeredAt": registered_at,
        "items": [item_doc(item) for item in data.items],
        "revision": 1,
    }


def declaration_doc(
    data: DeclarationData,
    declaration_id: ObjectId,
    *,
    at: datetime,
    release_deadline: datetime,
    registration_hash: str,
    by: Document,
) -> Document:
    """A declaration as registered (Order 1907 p.5)."""
    return {
        "_id": declaration_id,
        **filed_doc(data, at),
        "coveredBy": None,
        "releaseDeadline": release_deadline,
        "deadlineExtensions": [],
        "status": DeclarationStatus.REGISTERED.value,
        "statusHistory": [status_change_doc(DeclarationStatus.REGISTERED, at, by)],
        "discrepancies": [],
        "controlledAt": None,
        "accounting": None,
        "refusal": None,
        "autoTrace": [],
        "registrationHash": registration_hash,
        "registeredBy": by,
        "version": 1,
        "updatedAt": at,
    }


def revision_doc(
    declaration_id: ObjectId,
    revision: int,
    items: list[Document],
    at: datetime,
    by: Document,
    reason: str,
) -> Document:
    """One revision of the items (DESIGN "Corrections"): 1 at registration."""
    return {
        "declarationId": declaration_id,
        "revision": revision,
        "items": items,
        "at": at,
        "by": by,
        "reason": reason,
    }


def status_change_doc(
    status: DeclarationStatus, at: datetime, by: Document, reason: str | None = None
) -> Document:
    """An entry of ``statusHistory``."""
    return {"status": status.value, "at": at, "by": by, "reason": reason}


def discrepancy_doc(d: Discrepancy) -> Document:
    """A finding of control as stored in ``discrepancies`` (Order 1907 p.6)."""
    return {
        "code": d.code.value,
        "itemNo": d.item_no,
        "message": d.message,
        "affectsRestrictions": d.affects_restrictions,
        "fixable": d.fixable,
        "licenseNumber": d.license_number,
        "lineNo": d.line_no,
    }


def control_doc(found: Sequence[Discrepancy], at: datetime) -> Document:
    """The fields a control stores: its findings and when."""
    return {"discrepancies": [discrepancy_doc(d) for d in found], "controlledAt": at}


def accounting_doc(
    at: datetime, notification: ObjectId | None, by: Document, *, automatic: bool = False
) -> Document:
    """``accounting``: when, by whom, and the notification that allows release (p.10)."""
    doc: Document = {"at": at, "notificationId": notification, "by": by}
    if automatic:
        doc["automatic"] = True
    return doc


def refusal_doc(
    grounds: Sequence[RefusalGround],
    reason: str,
    at: datetime,
    by: Document,
    notification: ObjectId | None,
) -> Document:
    """``refusal`` (Order 1907 p.9) with the annulment's notification (p.4)."""
    return {
        "grounds": grounds_doc(grounds),
        "reason": reason,
        "at": at,
        "by": by,
        "annulmentNotificationId": notification,
    }


def grounds_doc(grounds: Sequence[RefusalGround]) -> list[Document]:
    """``refusal.grounds``: each ground with its wording and the items it concerns."""
    return [
        {"code": g.code.value, "message": g.message, "itemNos": list(g.item_nos)} for g in grounds
    ]


def withdrawal_doc(
    reason: str, at: datetime, by: Document, notification: ObjectId | None
) -> Document:
    """``withdrawal`` (Order 1907 p.4) with the annulment's notification."""
    return {"at": at, "by": by, "reason": reason, "annulmentNotificationId": notification}


def extension_doc(
    hours: int, reason: str, at: datetime, by: Document, deadline: datetime
) -> Document:
    """An entry of ``deadlineExtensions`` (DESIGN "Release deadline")."""
    return {"hours": hours, "reason": reason, "at": at, "by": by, "newDeadline": deadline}


def trace_docs(trace: Sequence[TraceStep], at: datetime) -> list[Document]:
    """``autoTrace``: the automatic mode's steps (Order 1907 p.13)."""
    return [{**asdict(step), "at": at} for step in trace]


def handed_over_doc(at: datetime, grounds: Sequence[RefusalGround]) -> Document:
    """``handedToOfficer``: the automatic mode's hand-over with the grounds it found."""
    return {"at": at, "grounds": [g.code.value for g in grounds]}


# --- read ---------------------------------------------------------------------------------


def status_of(doc: Document) -> DeclarationStatus:
    return DeclarationStatus(doc["status"])


def kind_of(doc: Document) -> DeclarationKind:
    return DeclarationKind(doc["kind"])


def is_covered(doc: Document) -> bool:
    """A temporary declaration a full one completes (Order 1907 p.12)."""
    return doc.get("coveredBy") is not None


def is_closed_by_annulment(doc: Document) -> bool:
    """Refused or withdrawn: what it accounted was annulled (Order 1907 p.4)."""
    return status_of(doc) in (DeclarationStatus.REFUSED, DeclarationStatus.WITHDRAWN)


def accounting_notified(doc: Document) -> bool:
    """Whether the accounting notification (Order 1907 p.10) was issued."""
    return bool((doc.get("accounting") or {}).get("notificationId"))


@dataclass(frozen=True, slots=True)
class Citations:
    """What a declaration's items cite, each number once, sorted."""

    licenses: list[str]
    permits: list[str]
    earlier: list[str]
    """Earlier declarations the goods were accounted under (p.7)."""


def citations_of(doc: Document) -> Citations:
    items = doc["items"]
    return Citations(
        licenses=sorted({i["licenseNumber"] for i in items if not i.get("permitNumber")}),
        permits=sorted({i["permitNumber"] for i in items if i.get("permitNumber")}),
        earlier=sorted({i["earlierDeclaration"] for i in items if i.get("earlierDeclaration")}),
    )


def cited_licenses(doc: Document) -> list[str]:
    """The licences (and permits) its items are accounted against."""
    return [item["licenseNumber"] for item in doc.get("items", [])]


def declaration_facts(doc: Document) -> DeclarationFacts:
    """A declaration as the rules see it."""
    return DeclarationFacts(
        number=doc["number"],
        kind=kind_of(doc),
        direction=Direction(doc["direction"]),
        procedure=doc["procedure"],
        declared_on=doc["registeredAt"].astimezone(MOSCOW).date(),
        declarant_inn=doc["declarantInn"],
        represented_inn=doc.get("representedInn"),
        first_procedure=doc.get("firstProcedure", True),
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


def temporary_facts(doc: Document) -> TemporaryFacts:
    """A declaration named as a full one's temporary one (Order 1907 p.12)."""
    return TemporaryFacts(
        number=doc["number"],
        kind=kind_of(doc),
        declarant_inn=doc["declarantInn"],
        status=status_of(doc),
        covered=is_covered(doc),
    )


def discrepancy_of(doc: Document) -> Discrepancy:
    """A stored finding of control (``discrepancy_doc``) as the rules see it."""
    return Discrepancy(
        DiscrepancyCode(doc["code"]),
        doc["itemNo"],
        doc["message"],
        affects_restrictions=doc["affectsRestrictions"],
        fixable=doc["fixable"],
        license_number=doc.get("licenseNumber"),
        line_no=doc.get("lineNo"),
    )


def grounds_of(refusal: Document) -> list[RefusalGround]:
    """The grounds of a stored refusal (``refusal_doc``)."""
    return [
        RefusalGround(Ground(g["code"]), g["message"], tuple(g["itemNos"]))
        for g in refusal["grounds"]
    ]


def trace_of(docs: Sequence[Document]) -> list[TraceStep]:
    """A stored ``autoTrace`` (``trace_docs``) without its moments."""
    return [TraceStep(d["step"], d["point"], d["passed"], d["detail"]) for d in docs]
