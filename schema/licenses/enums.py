from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Kind of Minpromtorg licence.")
class LicenseType(Enum):
    ONE_TIME = strawberry.enum_value("ONE_TIME", description="One-time (разовая) licence.")
    GENERAL = strawberry.enum_value("GENERAL", description="General (генеральная) licence.")
    EXCLUSIVE = strawberry.enum_value("EXCLUSIVE", description="Exclusive (исключительная).")


@strawberry.enum(description="Direction of movement the licence covers.")
class Direction(Enum):
    EXPORT = strawberry.enum_value("EXPORT", description="Export from the EAEU.")
    IMPORT = strawberry.enum_value("IMPORT", description="Import into the EAEU.")


@strawberry.enum(description="How the licence is controlled (Order 1907 p.2).")
class ControlMode(Enum):
    ELECTRONIC = strawberry.enum_value(
        "ELECTRONIC", description="Controlled and accounted by this system."
    )
    LEGACY = strawberry.enum_value(
        "LEGACY",
        description="Put on control before the Technology came into force: stored, but "
        "refused for accounting (Order 1907 p.2).",
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


@strawberry.enum(description="Kind of feed message in a licence's history (Order 1907 p.3).")
class LicenseEventKind(Enum):
    REGISTERED = strawberry.enum_value("REGISTERED", description="Licence data received.")
    AMENDED = strawberry.enum_value("AMENDED", description="Licence data amended.")
    SUSPENDED = strawberry.enum_value("SUSPENDED", description="Licence suspended.")
    RESUMED = strawberry.enum_value("RESUMED", description="Suspension lifted.")
    TERMINATED = strawberry.enum_value("TERMINATED", description="Licence terminated.")
    EXHAUSTION_REPORTED = strawberry.enum_value(
        "EXHAUSTION_REPORTED", description="The feed reported the licence exhausted (p.9)."
    )


@strawberry.enum(description="Fields licences can be ordered by.")
class LicenseOrderField(Enum):
    NUMBER = strawberry.enum_value("NUMBER", description="Licence number.")
    VALID_FROM = strawberry.enum_value("VALID_FROM", description="First day of validity.")
    VALID_TO = strawberry.enum_value("VALID_TO", description="Last day of validity.")
    REGISTERED_AT = strawberry.enum_value("REGISTERED_AT", description="When it arrived.")
