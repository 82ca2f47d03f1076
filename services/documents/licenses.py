"""A stored licence (``licenses``) as the domain sees it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.accounting import LineFigures
from domain.control import LicenseFacts, LineFacts
from domain.declarations import Direction
from domain.licenses import ControlMode, LicenseStatus, LineData, Party, line_available
from services.documents.ledger import figures_in

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


def line_doc(line: LineData, previous: Document | None) -> Document:
    """The stored line: descriptive fields from ``line``, figures as ``previous`` had them
    (zero for a new line); the limits are then moved by the ledger (LIMIT_CHANGE)."""
    figures = LineFigures(value_limit=None if line.value_limit is None else Decimal(0))
    if previous is not None:
        figures = figures_of(previous)
    described = {
        "lineNo": line.line_no,
        "name": line.name.strip(),
        "hsCode": line.hs_code,
        "unit": line.unit,
        "currency": line.currency,
    }
    return with_figures(described, figures)


def party_doc(party: Party | None) -> Document | None:
    if party is None:
        return None
    doc: Document = {"name": party.name.strip()}
    if party.inn is not None:
        doc["inn"] = party.inn
    if party.country is not None:
        doc["country"] = party.country
    return doc


def figures_of(line: Document) -> LineFigures:
    """The domain figures of a stored line."""
    return figures_in(line, "quantityLimit")


def with_figures(line: Document, after: LineFigures) -> Document:
    """The stored line carrying ``after``."""
    has_value = after.value_limit is not None
    return {
        **line,
        "quantityLimit": after.limit,
        "accounted": after.accounted,
        "released": after.released,
        "available": line_available(after.limit, after.accounted),
        "valueLimit": after.value_limit,
        "valueAccounted": after.value_accounted if has_value else None,
        "valueReleased": after.value_released if has_value else None,
        "valueAvailable": (
            line_available(after.value_limit, after.value_accounted)
            if after.value_limit is not None
            else None
        ),
    }
