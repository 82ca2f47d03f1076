"""Role checks on fields: a wrong role gets a FORBIDDEN error and no data."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from api.auth import Role


def allow(*roles: Role) -> type[BasePermission]:
    """A permission class admitting ``roles`` only."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    class RolePermission(BasePermission):
        message = f"this operation needs one of the roles {names}"
        error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - read by strawberry

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            return info.context.principal.role in allowed

    RolePermission.__name__ = f"Allow{''.join(r.value.title() for r in sorted(allowed))}"
    return RolePermission


READ_ANY = allow(Role.OFFICER, Role.ANALYST, Role.INTEGRATOR, Role.DECLARANT)
LICENSE_FEED = allow(Role.INTEGRATOR)
DECLARE = allow(Role.DECLARANT, Role.OFFICER)
OFFICER = allow(Role.OFFICER)
PREVIEW = allow(Role.DECLARANT, Role.OFFICER, Role.ANALYST)
