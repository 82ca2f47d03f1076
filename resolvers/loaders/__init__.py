"""Data loaders: one batched ``$in`` query per kind of nested read per request tick.

Created fresh for every request (:func:`make_loaders`) so nothing is cached across
requests or principals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from resolvers.loaders.license_by_id import LicenseByIdLoader
from resolvers.loaders.license_by_number import LicenseByNumberLoader
from resolvers.loaders.license_history import LicenseHistoryLoader


@dataclass(frozen=True)
class Loaders:
    license_by_id: LicenseByIdLoader
    license_by_number: LicenseByNumberLoader
    license_history: LicenseHistoryLoader


def make_loaders(db: AsyncDatabase[dict[str, Any]]) -> Loaders:
    return Loaders(
        license_by_id=LicenseByIdLoader(db),
        license_by_number=LicenseByNumberLoader(db),
        license_history=LicenseHistoryLoader(db),
    )
