"""A stored accounting notification (``notifications``, Order 1907 p.10)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId

from domain.accounting import Movement, Notice
from services.documents.declarations import cited_licenses

Document = dict[str, Any]


def notification_doc(
    notice: Notice,
    declaration: Document,
    movements: Sequence[Movement],
    permits: Iterable[str],
    at: datetime,
    by: Document,
) -> Document:
    """The notification of ``movements`` written for ``declaration``: it names the
    licences moved (all the declaration cites when nothing moved) and the permits."""
    moved = sorted({m.license_number for m in movements})
    return {
        "_id": ObjectId(),
        "kind": notice.value,
        "declarationId": declaration["_id"],
        "declarationNumber": declaration["number"],
        "licenseNumbers": moved or sorted(set(cited_licenses(declaration))),
        "permitNumbers": sorted(permits),
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
        "at": at,
        "by": by,
    }
