"""Analytics resolvers: aggregation pipelines summing Decimal128 in the database.

Written for every MongoDB-wire server this API runs on, SecantusDB included: lines are
``$unwind``-ed and ``$group``-ed (no ``$sum`` over array paths inside expressions, no
``$lookup`` sub-pipelines), and a group's licences are counted by a second ``$group``
rather than ``$addToSet`` + ``$size`` (no array of ids per group).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from domain.analytics import check_hs_prefix_length, check_period
from domain.problems import Problem
from resolvers.context import Info
from resolvers.licenses import hs_code_range, license_query
from schema.analytics import RefusalCount, UtilisationGroupBy, UtilisationRow
from schema.declarations.enums import RefusalGround
from schema.errors import PublicError
from schema.licenses.inputs import LicenseFilter
from schema.scalars import DateTime

Document = dict[str, Any]
ZERO = Decimal(0)
UTILISATION_DECIMALS = 4


class InvalidArgument(PublicError):
    code = "INVALID_ARGUMENT"

    @classmethod
    def raise_if(cls, problems: list[Problem]) -> None:
        """A query argument a rule refused: a GraphQL error naming the first problem."""
        if problems:
            raise cls(problems[0].message)


def utilisation_pipeline(
    match: Document,
    group_by: UtilisationGroupBy,
    hs_prefix_length: int,
    hs_code_prefix: str | None = None,
) -> list[Document]:
    """Licences matching ``match``, their lines (those under ``hs_code_prefix`` only, when
    given) summed per group key and unit."""
    key: Any = {
        UtilisationGroupBy.LICENSE: "$number",
        UtilisationGroupBy.HOLDER: "$holder.inn",
        UtilisationGroupBy.HS_CODE_PREFIX: {"$substrCP": ["$lines.hsCode", 0, hs_prefix_length]},
    }[group_by]
    pipeline: list[Document] = [{"$match": match}, {"$unwind": "$lines"}]
    if hs_code_prefix is not None:
        pipeline.append({"$match": {"lines.hsCode": hs_code_range(hs_code_prefix)}})
    sums = ("quantityLimit", "accounted", "released", "available", "excess")
    pipeline += [
        # 1. per licence, key and unit
        {
            "$group": {
                "_id": {"key": key, "unit": "$lines.unit", "licence": "$_id"},
                "lines": {"$sum": 1},
                "quantityLimit": {"$sum": "$lines.quantityLimit"},
                "accounted": {"$sum": "$lines.accounted"},
                "released": {"$sum": "$lines.released"},
                "available": {"$sum": {"$max": ["$lines.available", ZERO]}},
                "excess": {"$sum": {"$max": [{"$subtract": [ZERO, "$lines.available"]}, ZERO]}},
            }
        },
        # 2. per key and unit
        {
            "$group": {
                "_id": {"key": "$_id.key", "unit": "$_id.unit"},
                "licenses": {"$sum": 1},
                "lines": {"$sum": "$lines"},
                **{name: {"$sum": f"${name}"} for name in sums},
            }
        },
        {
            "$project": {
                "_id": 0,
                "key": "$_id.key",
                "unit": "$_id.unit",
                "licenses": 1,
                "lines": 1,
                **{name: 1 for name in sums},
                "utilisation": {
                    "$cond": [
                        {"$gt": ["$quantityLimit", ZERO]},
                        {
                            "$round": [
                                {"$divide": ["$accounted", "$quantityLimit"]},
                                UTILISATION_DECIMALS,
                            ]
                        },
                        None,
                    ]
                },
            }
        },
        {"$sort": {"key": 1, "unit": 1}},
    ]
    return pipeline


def _decimal(value: Any) -> Decimal:
    """A sum as a Decimal (an empty ``$sum`` is the integer 0)."""
    return value if isinstance(value, Decimal) else Decimal(value)


async def license_utilisation(
    info: Info,
    group_by: Annotated[
        UtilisationGroupBy, strawberry.argument(description="How the lines are grouped.")
    ],
    hs_prefix_length: Annotated[
        int,
        strawberry.argument(
            description="With HS_CODE_PREFIX: how many leading digits form the group (2-10)."
        ),
    ] = 4,
    filter: Annotated[
        LicenseFilter | None,
        strawberry.argument(
            description="Which licences count; hsCodePrefix also limits the lines counted."
        ),
    ] = None,
) -> list[UtilisationRow]:
    """Licence utilisation per group and unit."""
    InvalidArgument.raise_if(check_hs_prefix_length(hs_prefix_length))
    match = license_query(filter, info.context.principal)
    prefix = filter.hs_code_prefix if filter is not None else None
    pipeline = utilisation_pipeline(match, group_by, hs_prefix_length, prefix)
    cursor = await info.context.db.licenses.aggregate(pipeline)
    return [
        UtilisationRow(
            key=row["key"],
            unit=row["unit"],
            licenses=row["licenses"],
            lines=row["lines"],
            quantity_limit=_decimal(row["quantityLimit"]),  # type: ignore[arg-type]
            accounted=_decimal(row["accounted"]),  # type: ignore[arg-type]
            released=_decimal(row["released"]),  # type: ignore[arg-type]
            available=_decimal(row["available"]),  # type: ignore[arg-type]
            excess=_decimal(row["excess"]),  # type: ignore[arg-type]
            utilisation=row["utilisation"],
        )
        async for row in cursor
    ]


def refusals_pipeline(start: datetime, end: datetime) -> list[Document]:
    """Declarations refused in [start, end), counted once per ground they name."""
    return [
        {"$match": {"refusal.at": {"$gte": start, "$lt": end}}},
        {"$unwind": "$refusal.grounds"},
        {"$group": {"_id": {"ground": "$refusal.grounds.code", "declaration": "$_id"}}},
        {"$group": {"_id": "$_id.ground", "declarations": {"$sum": 1}}},
        {"$sort": {"declarations": -1, "_id": 1}},
    ]


async def refusals_by_ground(
    info: Info,
    from_: Annotated[
        DateTime,
        strawberry.argument(name="from", description="Start of the period (included)."),
    ],
    to: Annotated[DateTime, strawberry.argument(description="End of the period (excluded).")],
) -> list[RefusalCount]:
    """Refusals of release (Order 1907 p.9) per ground in a period."""
    InvalidArgument.raise_if(check_period(from_, to))
    cursor = await info.context.db.declarations.aggregate(refusals_pipeline(from_, to))
    return [
        RefusalCount(ground=RefusalGround(row["_id"]), declarations=row["declarations"])
        async for row in cursor
    ]
