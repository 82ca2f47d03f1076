"""Role checks on root fields, from the access policy's table (:data:`domain.access.GRANTS`):
a role the action does not admit gets a FORBIDDEN error and no data."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import BasePermission

from domain.access import GRANTS, Action


@cache
def requires(action: Action) -> type[BasePermission]:
    """The permission class of a root field that asks for ``action``."""
    names = ", ".join(sorted(r.value for r in GRANTS[action]))

    class ActionPermission(BasePermission):
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
