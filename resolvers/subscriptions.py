"""Subscription resolvers, fed by MongoDB change streams (services/change_feeds.py).

* ``accountingNotifications``: each accounting notification inserted (Order 1907 p.10),
  optionally only those touching one licence; DECLARANT keys get only the notifications of
  their own declarations (as the ``accountingNotifications`` query).
* ``licenseBalances``: the licence with its lines' figures now, then again each time the
  figures change (write-off, annulment, release, actualisation, an amended limit).

The context of a subscription lives as long as its WebSocket, so every event gets fresh
data loaders: nested fields never show what an earlier event cached.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from resolvers.context import Info
from resolvers.loaders import make_loaders
from schema.errors import PublicError
from schema.ledger import AccountingNotification
from schema.licenses.types import License
from services.access import Owned
from services.change_feeds import feed

Document = dict[str, Any]

#: Inserted notifications only: they are append-only.
NOTIFICATIONS_PIPELINE: list[Document] = [{"$match": {"operationType": "insert"}}]
#: Licence updates, with the document as it is after them (``updateLookup``).
LICENSES_PIPELINE: list[Document] = [{"$match": {"operationType": {"$in": ["update", "replace"]}}}]


class LicenseNotFound(PublicError):
    code = "LICENSE_NOT_FOUND"


def _fresh(info: Info) -> None:
    """New loaders for the next event (the connection's context outlives requests)."""
    info.context.loaders = make_loaders(info.context.db)


async def accounting_notifications(
    info: Info,
    license_number: Annotated[
        str | None,
        strawberry.argument(description="Only notifications touching this licence."),
    ] = None,
) -> AsyncGenerator[AccountingNotification, None]:
    """Each new accounting notification, in the order issued."""
    notifications = feed(info.context.db, "notifications", NOTIFICATIONS_PIPELINE)
    async with notifications.join() as subscriber:
        while True:
            change = await subscriber.next()
            doc = change.get("fullDocument")
            if doc is None:
                continue
            if license_number is not None and license_number not in doc["licenseNumbers"]:
                continue
            if not await info.context.services.declarations.sees_notification(doc):
                continue
            _fresh(info)
            yield AccountingNotification.from_doc(doc)


def _figures(doc: Document) -> list[tuple[Any, ...]]:
    """What ``licenseBalances`` reports a change of: every line's quantity and value
    figures (status changes alone are not figures)."""
    return [
        (
            line["lineNo"],
            line["quantityLimit"],
            line["accounted"],
            line["released"],
            line.get("valueLimit"),
            line.get("valueAccounted") or Decimal(0),
            line.get("valueReleased") or Decimal(0),
        )
        for line in doc["lines"]
    ]


async def license_balances(
    info: Info,
    number: Annotated[str, strawberry.argument(description="Licence number.")],
) -> AsyncGenerator[License, None]:
    """The licence now, then each time its lines' figures change."""
    licenses = feed(info.context.db, "licenses", LICENSES_PIPELINE, full_document="updateLookup")
    async with licenses.join() as subscriber:
        # The stream is open before the licence is read: no change can fall in between.
        doc = await info.context.db.licenses.find_one({"number": number})
        if doc is None or not info.context.access.sees(Owned.LICENSE, doc):
            raise LicenseNotFound(f"no licence {number} is registered")
        license_id = doc["_id"]
        last = _figures(doc)
        _fresh(info)
        yield License.from_doc(doc)
        while True:
            change = await subscriber.next()
            current = change.get("fullDocument")
            if current is None or change["documentKey"]["_id"] != license_id:
                continue
            if not info.context.access.sees(Owned.LICENSE, current):  # the holder was amended
                raise LicenseNotFound(f"no licence {number} is registered")
            figures = _figures(current)
            if figures == last:
                continue
            last = figures
            _fresh(info)
            yield License.from_doc(current)
