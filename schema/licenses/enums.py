"""Enums of the licence registry; the domain's own (:mod:`domain.licenses`,
:mod:`domain.declarations`) where it has them, each value described here.  The status
is the schema's: EXHAUSTED is derived from the figures, not stored."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.declarations import Direction
from domain.licenses import ControlMode
from domain.licenses import LicenseEvent as LicenseEventKind
from schema.enum_factory import domain_enum

__all__ = [
    "ControlMode",
    "Direction",
    "LicenseEventKind",
    "LicenseOrderField",
    "LicenseStatus",
    "LicenseType",
]


@strawberry.enum(description="Kind of Minpromtorg licence.")
class LicenseType(Enum):
    ONE_TIME = strawberry.enum_value("ONE_TIME", description="One-time (разовая) licence.")
    GENERAL = strawberry.enum_value("GENERAL", description="General (генеральная) licence.")
    EXCLUSIVE = strawberry.enum_value("EXCLUSIVE", description="Exclusive (исключительная).")


domain_enum(
    Direction,
    "Direction of movement the licence covers.",
    {"EXPORT": "Export from the EAEU.", "IMPORT": "Import into the EAEU."},
)

domain_enum(
    ControlMode,
    "How the licence is controlled (Order 1907 p.2).",
    {
        "ELECTRONIC": "Controlled and accounted by this system.",
        "LEGACY": "Put on control before the Technology came into force: stored, but "
        "refused for accounting (Order 1907 p.2).",
    },
)


@strawberry.enum(description="State of a licence. EXHAUSTED is derived from the figures.")
class LicenseStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="In force, quantity left.")
    EXHAUSTED = strawberry.enum_value(
        "EXHAUSTED",
        description="In force, but every line's quantity (or value) is used up, or the feed "
        "reported the licence exhausted (p.9).",
    )
    SUSPENDED = strawberry.enum_value(
        "SUSPENDED", description="Suspended by the licensing authority (Order 1907 p.9)."
    )
    TERMINATED = strawberry.enum_value(
        "TERMINATED", description="Terminated by the licensing authority (Order 1907 p.9)."
    )


domain_enum(
    LicenseEventKind,
    "Kind of feed message in a licence's history (Order 1907 p.3).",
    {
        "REGISTERED": "Licence data received.",
        "AMENDED": "Licence data amended.",
        "SUSPENDED": "Licence suspended.",
        "RESUMED": "Suspension lifted.",
        "TERMINATED": "Licence terminated.",
        "EXHAUSTION_REPORTED": "The feed reported the licence exhausted (p.9).",
    },
    name="LicenseEventKind",
)


@strawberry.enum(description="Fields licences can be ordered by.")
class LicenseOrderField(Enum):
    NUMBER = strawberry.enum_value("NUMBER", description="Licence number.")
    VALID_FROM = strawberry.enum_value("VALID_FROM", description="First day of validity.")
    VALID_TO = strawberry.enum_value("VALID_TO", description="Last day of validity.")
    REGISTERED_AT = strawberry.enum_value("REGISTERED_AT", description="When it arrived.")
