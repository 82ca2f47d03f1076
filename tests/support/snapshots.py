"""What "a refused request changes nothing" compares: every document of the collections
an operation can touch, but the records of remembered refusals.

A business refusal is recorded under its idempotency key (DESIGN "Refusals are answers
too"): that record is the answer a resend replays, not an effect of the request, so the
snapshots leave it out (``tests/test_idempotent_refusals.py`` asserts the records
themselves).  The idempotency records of successes stay in: a refused request must not
add one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from api.db import Database

Document = dict[str, Any]

#: Per collection, the documents a snapshot keeps (all of them when not named).
EFFECTS: dict[str, Document] = {"idempotency": {"problems": {"$exists": False}}}

#: The idempotency records of refusals.
REFUSALS: Document = {"problems": {"$exists": True}}


async def collections(database: Database, names: Iterable[str]) -> dict[str, list[Document]]:
    """Every document of each collection of ``names`` in ``_id`` order (of
    ``idempotency``, the records of successes only)."""
    return {
        name: await database.db[name].find(EFFECTS.get(name, {})).sort("_id", 1).to_list()
        for name in names
    }
