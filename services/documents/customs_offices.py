"""A stored customs office (``customs_offices``, Permit rules p.1) as the rules see it."""

from __future__ import annotations

from domain.customs_offices import Office, OfficeKind
from services.documents import Document


def office_of(doc: Document) -> Office:
    """A stored office as the rules see it."""
    return Office(
        code=doc["code"],
        name=doc["name"],
        kind=OfficeKind(doc["kind"]),
        parent_code=doc.get("parentCode"),
        reports_to_fts=doc["reportsToFts"],
        time_zone=doc["timeZone"],
    )
