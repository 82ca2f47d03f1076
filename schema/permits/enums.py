"""Enums of processing permits (Permit rules p.1-p.9, DESIGN Part B)."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.enum_factory import described_enum


@strawberry.enum(description="Where a permit stands (DESIGN Part B: the FTS album's statuses).")
class PermitStatus(Enum):
    PREPARED = strawberry.enum_value(
        "PREPARED", description="A draft being prepared; no number yet."
    )
    IN_FORCE = strawberry.enum_value(
        "IN_FORCE", description="Issued with its number (p.2) and in force."
    )
    EXECUTED = strawberry.enum_value(
        "EXECUTED", description="The processing procedure was completed."
    )
    EXPIRED = strawberry.enum_value(
        "EXPIRED", description="The processing term with its extensions has passed (p.9)."
    )
    ANNULLED = strawberry.enum_value(
        "ANNULLED", description="Annulled by the customs (point 15 mark); may be restored."
    )
    REVOKED = strawberry.enum_value(
        "REVOKED", description="Revoked by the customs (point 15 mark); may be restored."
    )


@strawberry.enum(description="The table of processing results a yield norm points at (p.6).")
class YieldTarget(Enum):
    PRODUCTS = strawberry.enum_value("PRODUCTS", description="Table 5: processing products.")
    WASTE = strawberry.enum_value("WASTE", description="Table 6: waste.")
    RESIDUES = strawberry.enum_value("RESIDUES", description="Table 7: residues.")
    LOSSES = strawberry.enum_value("LOSSES", description="Table 8: production losses.")


@strawberry.enum(description="How a yield norm is expressed (Permit rules p.6).")
class YieldNormKind(Enum):
    PERCENT = strawberry.enum_value(
        "PERCENT", description="Relative: percent of the table 3 row's quantity."
    )
    ABSOLUTE = strawberry.enum_value(
        "ABSOLUTE", description="Absolute: a quantity per a quantity of the table 3 row."
    )


@strawberry.enum(
    description="Ways to identify the foreign goods in the processing products (point 9, "
    "p.8; EAEU Customs Code art.167)."
)
class IdentificationMethod(Enum):
    MARKS_SEALS_SAMPLES = strawberry.enum_value(
        "MARKS_SEALS_SAMPLES", description="Seals, stamps, digital or other marks, samples."
    )
    DESCRIPTION_PHOTOS = strawberry.enum_value(
        "DESCRIPTION_PHOTOS", description="Detailed description, photographs, drawings."
    )
    SAMPLE_ANALYSIS = strawberry.enum_value(
        "SAMPLE_ANALYSIS", description="Samples taken and analysed."
    )
    SERIAL_NUMBERS = strawberry.enum_value(
        "SERIAL_NUMBERS", description="Serial numbers or other markings of the goods."
    )
    OTHER = strawberry.enum_value("OTHER", description="Another way, described.")


@strawberry.enum(description="Point 15: the customs' special marks.")
class SpecialMarkKind(Enum):
    REVOCATION = strawberry.enum_value("REVOCATION", description="The permit was revoked.")
    ANNULMENT = strawberry.enum_value("ANNULMENT", description="The permit was annulled.")
    RESTORATION = strawberry.enum_value(
        "RESTORATION", description="A revoked or annulled permit was restored to force."
    )


@strawberry.enum(description="What made a permit revision.")
class PermitRevisionOperation(Enum):
    CREATE = strawberry.enum_value("CREATE", description="The draft was created.")
    EDIT = strawberry.enum_value("EDIT", description="The draft was edited.")
    ISSUE = strawberry.enum_value("ISSUE", description="Issued with its number (p.2).")
    AMEND = strawberry.enum_value("AMEND", description="The issued permit was amended.")
    TRANSFER = strawberry.enum_value("TRANSFER", description="Transferred (point 1.1, p.3).")
    FIX_TERM = strawberry.enum_value(
        "FIX_TERM", description="Term start and end fixed at the first placement (p.9)."
    )
    EXTEND = strawberry.enum_value("EXTEND", description="Term extended (table 10.2, p.9).")
    REVOKE = strawberry.enum_value("REVOKE", description="Revoked (point 15).")
    ANNUL = strawberry.enum_value("ANNUL", description="Annulled (point 15).")
    RESTORE = strawberry.enum_value("RESTORE", description="Restored (point 15).")
    EXPIRE = strawberry.enum_value("EXPIRE", description="Expired: the term passed (p.9).")


@strawberry.enum(description="Fields permits can be ordered by.")
class PermitOrderField(Enum):
    CREATED_AT = strawberry.enum_value(
        "CREATED_AT", description="When the draft was created (every permit has it)."
    )
    ISSUED_AT = strawberry.enum_value(
        "ISSUED_AT", description="When it was issued; drafts have none and are left out."
    )
    TERM_END = strawberry.enum_value(
        "TERM_END",
        description="End date of the term in force; permits whose term is not fixed yet "
        "(no goods placed) have none and are left out.",
    )


@strawberry.enum(description="Kind of customs office in the reference data.")
class CustomsOfficeKind(Enum):
    REGIONAL_ADMINISTRATION = strawberry.enum_value(
        "REGIONAL_ADMINISTRATION", description="Regional customs administration (РТУ)."
    )
    CUSTOMS = strawberry.enum_value(
        "CUSTOMS", description="A customs (таможня); issues permits (p.1)."
    )
    POST = strawberry.enum_value("POST", description="A customs post (таможенный пост).")


PermitWarningCode = described_enum(
    "PermitWarningCode",
    "Why the quantities may disagree with the yield norms (a warning, not an error).",
    {
        "YIELD_QUANTITY_MISMATCH": "A table 5-8 quantity differs from what its norm gives "
        "from the table 3 row.",
        "YIELD_UNITS_INCOMPARABLE": "The units do not convert, so the quantity cannot be "
        "checked against the norm.",
        "YIELD_PERCENT_BALANCE": "The percent norms from a table 3 row do not add up to 100.",
        "YIELD_SOURCE_UNUSED": "A table 3 row is used by no yield norm.",
    },
)
