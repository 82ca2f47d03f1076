"""A stored licence (``licenses``) as the domain sees it."""

from __future__ import annotations

from typing import Any

from domain.control import LicenseFacts, LineFacts
from domain.declarations import Direction
from domain.licenses import ControlMode, LicenseStatus

Document = dict[str, Any]


def license_facts(doc: Document) -> LicenseFacts:
    """A licence as control and accounting see it (Order 1907 p.3, p.6-9)."""
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
