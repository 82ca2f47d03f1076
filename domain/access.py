"""Who sends a request, what each role may do, and whose data a key sees.

This is the one access policy: every resolver, use case and subscription asks it, through
:class:`services.access.Access`, which turns its answers into database filters.

Roles (an API key has one):

* OFFICER     customs officer: reads everything, takes control decisions (Order 1907 p.4-13),
              issues permits;
* DECLARANT   bound to one INN: files its own declarations and sees only what its INN holds
              (licences issued to it, its declarations and their notifications, the permits
              it holds, point 1 or 1.1 after a transfer); of anything else it learns nothing,
              not even that it exists (DESIGN "Holder");
* ANALYST     reads everything, changes nothing;
* INTEGRATOR  the licence feed from EAIS or another agency (Order 1907 p.2-3).

A connection that has not presented a key yet (a WebSocket before ``connection_init``) is
:data:`NOBODY`: no role, sees nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The role of an API key."""

    OFFICER = "OFFICER"
    DECLARANT = "DECLARANT"
    ANALYST = "ANALYST"
    INTEGRATOR = "INTEGRATOR"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who sends the request: the API key's id and name, its role, and for a DECLARANT
    the INN it is bound to."""

    key_id: str
    name: str
    role: Role | None
    inn: str | None = None


#: The principal of a connection that has presented no key yet: no role, sees nothing.
NOBODY = Principal(key_id="", name="unauthenticated connection", role=None)


class Action(StrEnum):
    """What a request may ask for; each root field of the schema names one."""

    READ = "READ"
    """Licences, declarations, notifications, ledgers, live figures (scoped by holder)."""
    READ_PERMITS = "READ_PERMITS"
    """Processing permits and the customs offices reference (scoped by holder)."""
    READ_AGGREGATES = "READ_AGGREGATES"
    """Figures across holders: utilisation, refusals, ledger verification, permit counts."""
    PREVIEW = "PREVIEW"
    """What control and accounting would say for a draft declaration, writing nothing."""
    FEED_LICENSES = "FEED_LICENSES"
    """Licence messages from EAIS or another agency (Order 1907 p.2-3)."""
    DECLARE = "DECLARE"
    """Register, correct or withdraw a declaration (the declarant's own acts)."""
    DECIDE = "DECIDE"
    """Control, accounting, release, refusal, deadlines, automatic mode (Order 1907 p.4-13)."""
    MANAGE_PERMITS = "MANAGE_PERMITS"
    """Prepare, issue, amend, transfer, mark and expire processing permits (Permit rules)."""
    MANAGE_REFERENCE_DATA = "MANAGE_REFERENCE_DATA"
    """Edit the customs offices reference data."""


_O, _D, _A, _I = Role.OFFICER, Role.DECLARANT, Role.ANALYST, Role.INTEGRATOR

#: Roles x actions: the whole table of who may do what.
GRANTS: Mapping[Action, frozenset[Role]] = {
    Action.READ: frozenset({_O, _D, _A, _I}),
    Action.READ_PERMITS: frozenset({_O, _D, _A}),
    Action.READ_AGGREGATES: frozenset({_O, _A}),
    Action.PREVIEW: frozenset({_O, _D, _A}),
    Action.FEED_LICENSES: frozenset({_I}),
    Action.DECLARE: frozenset({_O, _D}),
    Action.DECIDE: frozenset({_O}),
    Action.MANAGE_PERMITS: frozenset({_O}),
    Action.MANAGE_REFERENCE_DATA: frozenset({_O}),
}


def may(principal: Principal, action: Action) -> bool:
    """Whether the principal's role may ask for ``action`` at all."""
    return principal.role is not None and principal.role in GRANTS[action]


def holder_scope(principal: Principal) -> frozenset[str] | None:
    """The INNs whose data the principal sees: ``None`` for every holder (OFFICER,
    ANALYST, INTEGRATOR), the bound INN for a DECLARANT, nothing for :data:`NOBODY` or a
    DECLARANT bound to no INN (DESIGN "Holder")."""
    if principal.role is None:
        return frozenset()
    if principal.role is Role.DECLARANT:
        return frozenset({principal.inn}) if principal.inn else frozenset()
    return None


def sees_holder(principal: Principal, holder_inn: str | None) -> bool:
    """Whether the principal may learn anything of a record held by ``holder_inn``
    (a licence's holder, a declaration's declarant, a permit's current holder)."""
    scope = holder_scope(principal)
    return scope is None or (holder_inn is not None and holder_inn in scope)


def acts_for(principal: Principal, declarant_inn: str) -> bool:
    """Whether the principal may file a declaration in the name of ``declarant_inn``: a
    DECLARANT only its own INN's, an OFFICER anyone's (Order 1907 p.4)."""
    return may(principal, Action.DECLARE) and sees_holder(principal, declarant_inn)


def bound_inn_required(role: Role) -> bool:
    """A DECLARANT key is bound to exactly one INN; no other key is."""
    return role is Role.DECLARANT
