"""Role checks on root fields, from the access policy's table (:data:`domain.access.GRANTS`):
a role the action does not admit gets a FORBIDDEN error and no data.  Every root field is
declared with :func:`query`, :func:`mutation` or :func:`subscription`: its resolver, the
permission it asks for, its description."""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry
from strawberry.permission import BasePermission

from domain.access import GRANTS, Action


@cache
def requires(action: Action) -> type[BasePermission]:
    """The permission class of a root field that asks for ``action``."""
    names = ", ".join(sorted(r.value for r in GRANTS[action]))

    class ActionPermission(BasePermission):
        required = action
        message = f"this operation needs one of the roles {names}"
        error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - read by strawberry

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            return bool(info.context.access.may(action))

    ActionPermission.__name__ = f"Requires{action.value.title().replace('_', '')}"
    return ActionPermission


READ_ANY = requires(Action.READ)
READ_PERMITS = requires(Action.READ_PERMITS)
READ_AGGREGATES = requires(Action.READ_AGGREGATES)
PREVIEW = requires(Action.PREVIEW)
LICENSE_FEED = requires(Action.FEED_LICENSES)
DECLARE = requires(Action.DECLARE)
OFFICER = requires(Action.DECIDE)
MANAGE_PERMITS = requires(Action.MANAGE_PERMITS)
MANAGE_REFERENCE_DATA = requires(Action.MANAGE_REFERENCE_DATA)


def query(resolver: Any, permission: type[BasePermission], description: str) -> Any:
    """A root query field."""
    return strawberry.field(
        resolver=resolver, permission_classes=[permission], description=description
    )


def mutation(resolver: Any, permission: type[BasePermission], description: str) -> Any:
    """A root mutation field."""
    return strawberry.mutation(
        resolver=resolver, permission_classes=[permission], description=description
    )


def subscription(resolver: Any, permission: type[BasePermission], description: str) -> Any:
    """A root subscription field."""
    return strawberry.subscription(
        resolver=resolver, permission_classes=[permission], description=description
    )
