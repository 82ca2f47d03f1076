"""Enums of processing permits (Permit rules p.1-p.9, DESIGN Part B): the domain's own
(:mod:`domain.permits`, :mod:`domain.customs_offices`) where it has them, each value
described here."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.customs_offices import OfficeKind as CustomsOfficeKind
from domain.permits.form import IdentificationMethod
from domain.permits.form import MarkKind as SpecialMarkKind
from domain.permits.form import NormKind as YieldNormKind
from domain.permits.lifecycle import PermitStatus, RevisionOperation
from schema.enum_factory import described_enum, domain_enum

__all__ = [
    "CustomsOfficeKind",
    "IdentificationMethod",
    "PermitOrderField",
    "PermitStatus",
    "PermitWarningCode",
    "SpecialMarkKind",
    "YieldNormKind",
    "YieldTarget",
]


domain_enum(
    PermitStatus,
    "Where a permit stands (DESIGN Part B: the FTS album's statuses).",
    {
        "PREPARED": "A draft being prepared; no number yet.",
        "IN_FORCE": "Issued with its number (p.2) and in force.",
        "EXECUTED": "The processing procedure was completed.",
        "EXPIRED": "The processing term with its extensions has passed (p.9).",
        "ANNULLED": "Annulled by the customs (point 15 mark); may be restored.",
        "REVOKED": "Revoked by the customs (point 15 mark); may be restored.",
    },
)


@strawberry.enum(description="The table of processing results a yield norm points at (p.6).")
class YieldTarget(Enum):
    PRODUCTS = strawberry.enum_value("PRODUCTS", description="Table 5: processing products.")
    WASTE = strawberry.enum_value("WASTE", description="Table 6: waste.")
    RESIDUES = strawberry.enum_value("RESIDUES", description="Table 7: residues.")
    LOSSES = strawberry.enum_value("LOSSES", description="Table 8: production losses.")


domain_enum(
    YieldNormKind,
    "How a yield norm is expressed (Permit rules p.6).",
    {
        "PERCENT": "Relative: percent of the table 3 row's quantity.",
        "ABSOLUTE": "Absolute: a quantity per a quantity of the table 3 row.",
    },
    name="YieldNormKind",
)

domain_enum(
    IdentificationMethod,
    "Ways to identify the foreign goods in the processing products (point 9, p.8; EAEU "
    "Customs Code art.167).",
    {
        "MARKS_SEALS_SAMPLES": "Seals, stamps, digital or other marks, samples.",
        "DESCRIPTION_PHOTOS": "Detailed description, photographs, drawings.",
        "SAMPLE_ANALYSIS": "Samples taken and analysed.",
        "SERIAL_NUMBERS": "Serial numbers or other markings of the goods.",
        "OTHER": "Another way, described.",
    },
)

domain_enum(
    SpecialMarkKind,
    "Point 15: the customs' special marks.",
    {
        "REVOCATION": "The permit was revoked.",
        "ANNULMENT": "The permit was annulled.",
        "RESTORATION": "A revoked or annulled permit was restored to force.",
    },
    name="SpecialMarkKind",
)


domain_enum(
    RevisionOperation,
    "What made a permit revision.",
    {
        "CREATE": "The draft was created.",
        "EDIT": "The draft was edited.",
        "ISSUE": "Issued with its number (p.2).",
        "AMEND": "The issued permit was amended.",
        "TRANSFER": "Transferred (point 1.1, p.3).",
        "FIX_TERM": "Term start and end fixed at the first placement (p.9).",
        "EXTEND": "Term extended (table 10.2, p.9).",
        "REVOKE": "Revoked (point 15).",
        "ANNUL": "Annulled (point 15).",
        "RESTORE": "Restored (point 15).",
        "EXPIRE": "Expired: the term passed (p.9).",
    },
    name="PermitRevisionOperation",
)


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


domain_enum(
    CustomsOfficeKind,
    "Kind of customs office in the reference data.",
    {
        "REGIONAL_ADMINISTRATION": "Regional customs administration (РТУ).",
        "CUSTOMS": "A customs (таможня); issues permits (p.1).",
        "POST": "A customs post (таможенный пост).",
    },
    name="CustomsOfficeKind",
)

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
