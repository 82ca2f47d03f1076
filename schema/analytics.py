"""Analytics types for officers and analysts: licence utilisation and refusals by ground
(the fields are in schema/root.py, the pipelines in resolvers/analytics.py).

Figures are summed by the database in Decimal128 and shown as exact decimal strings.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.declarations.enums import RefusalGround
from schema.scalars import Decimal


@strawberry.enum(description="How licence utilisation is grouped (always also by unit).")
class UtilisationGroupBy(Enum):
    LICENSE = strawberry.enum_value("LICENSE", description="One row per licence (and unit).")
    HOLDER = strawberry.enum_value("HOLDER", description="One row per holder INN (and unit).")
    HS_CODE_PREFIX = strawberry.enum_value(
        "HS_CODE_PREFIX",
        description="One row per leading digits of the lines' HS codes (and unit); a line "
        "whose code is shorter than the prefix length is grouped under its whole code.",
    )


@strawberry.type(
    description="Licence lines of one group and one unit, with their summed figures. "
    "Quantities of different units are never added: a group with lines in two units has "
    "two rows. quantityLimit - accounted = available - excess."
)
class UtilisationRow:
    key: str = strawberry.field(
        description="The group: licence number, holder INN or HS code prefix."
    )
    unit: str = strawberry.field(description="OKEI code of the unit of every figure here.")
    licenses: int = strawberry.field(description="Licences with lines in the row.")
    lines: int = strawberry.field(description="Licence lines in the row.")
    quantity_limit: Decimal = strawberry.field(description="Sum of the lines' quantity limits.")
    accounted: Decimal = strawberry.field(
        description="Sum written off and not annulled (Order 1907 p.7)."
    )
    released: Decimal = strawberry.field(description="Sum released (p.8).")
    available: Decimal = strawberry.field(
        description="Sum of what each line can still write off (a line in excess counts 0)."
    )
    excess: Decimal = strawberry.field(
        description="Sum accounted above lowered limits (DESIGN, authoritative amendments)."
    )
    utilisation: Decimal | None = strawberry.field(
        description="accounted / quantityLimit, rounded half to even to 4 decimals "
        '("0.4" = 40 %); null when the limit is 0.'
    )


@strawberry.type(description="How many declarations were refused on one ground.")
class RefusalCount:
    ground: RefusalGround = strawberry.field(description="The ground (Order 1907 p.9).")
    declarations: int = strawberry.field(
        description="Declarations refused in the period naming this ground (a refusal may "
        "name several grounds and then counts under each)."
    )
