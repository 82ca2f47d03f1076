"""A stored processing permit (``permits``) as licensed goods control sees it (the
permit's form and its other sections are mapped by :mod:`services.permit_documents`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.control import LicenseFacts, LineFacts
from domain.customs_offices import local_date
from domain.declarations import Direction
from domain.licenses import ControlMode, LicenseStatus
from domain.permits.terms import is_expired
from services.permit_documents import as_date

Document = dict[str, Any]


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
