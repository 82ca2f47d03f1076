"""The access policy (domain/access.py, applied by services/access.py) as one table:
roles x actions, every root field's action, and whose documents each principal sees."""

from __future__ import annotations

from typing import Any

import pytest

from domain.access import GRANTS, NOBODY, Action, Principal, Role, acts_for, may
from schema.root import build_schema
from services.access import Access, Owned
from tests.support.api import HOLDER_INN, OTHER_INN

A = Action
O, D, AN, I = "OFFICER", "DECLARANT", "ANALYST", "INTEGRATOR"  # noqa: E741

#: Who may ask for what (the columns are the roles that may).
MATRIX: dict[Action, set[str]] = {
    A.READ: {O, D, AN, I},
    A.READ_PERMITS: {O, D, AN},
    A.READ_AGGREGATES: {O, AN},
    A.PREVIEW: {O, D, AN},
    A.FEED_LICENSES: {I},
    A.DECLARE: {O, D},
    A.DECIDE: {O},
    A.MANAGE_PERMITS: {O},
    A.MANAGE_REFERENCE_DATA: {O},
}

#: Every root field and the action it asks for.
ROOT_FIELDS: dict[str, dict[str, Action]] = {
    "Query": {
        "node": A.READ,
        "nodes": A.READ,
        "license": A.READ,
        "license_by_id": A.READ,
        "licenses": A.READ,
        "declaration": A.READ,
        "declaration_by_id": A.READ,
        "declarations": A.READ,
        "preview_declaration": A.PREVIEW,
        "accounting_notifications": A.READ,
        "verify_ledger": A.READ_AGGREGATES,
        "license_utilisation": A.READ_AGGREGATES,
        "refusals_by_ground": A.READ_AGGREGATES,
        "permit": A.READ_PERMITS,
        "permit_by_id": A.READ_PERMITS,
        "permits": A.READ_PERMITS,
        "permit_as_of": A.READ_PERMITS,
        "permits_by_office_and_status": A.READ_AGGREGATES,
        "permit_table3_utilisation": A.READ_AGGREGATES,
        "customs_offices": A.READ,
        "customs_office": A.READ,
    },
    "Mutation": {
        "register_license": A.FEED_LICENSES,
        "amend_license": A.FEED_LICENSES,
        "suspend_license": A.FEED_LICENSES,
        "resume_license": A.FEED_LICENSES,
        "terminate_license": A.FEED_LICENSES,
        "report_license_exhaustion": A.FEED_LICENSES,
        "register_declaration": A.DECLARE,
        "control_declaration": A.DECIDE,
        "account_declaration": A.DECIDE,
        "release_declaration": A.DECIDE,
        "refuse_release": A.DECIDE,
        "withdraw_declaration": A.DECLARE,
        "correct_declaration": A.DECLARE,
        "extend_release_deadline": A.DECIDE,
        "run_automatic_mode": A.DECIDE,
        "create_permit_draft": A.MANAGE_PERMITS,
        "update_permit_draft": A.MANAGE_PERMITS,
        "issue_permit": A.MANAGE_PERMITS,
        "amend_permit": A.MANAGE_PERMITS,
        "transfer_permit": A.MANAGE_PERMITS,
        "fix_permit_term": A.MANAGE_PERMITS,
        "extend_permit_term": A.MANAGE_PERMITS,
        "revoke_permit": A.MANAGE_PERMITS,
        "annul_permit": A.MANAGE_PERMITS,
        "restore_permit": A.MANAGE_PERMITS,
        "expire_permits": A.MANAGE_PERMITS,
        "save_customs_office": A.MANAGE_REFERENCE_DATA,
    },
    "Subscription": {
        "accounting_notifications": A.READ,
        "license_balances": A.READ,
    },
}

OFFICER = Principal("k1", "officer", Role.OFFICER)
ANALYST = Principal("k2", "analyst", Role.ANALYST)
INTEGRATOR = Principal("k3", "feed", Role.INTEGRATOR)
OWN = Principal("k4", "declarant", Role.DECLARANT, HOLDER_INN)
UNBOUND = Principal("k5", "declarant without INN", Role.DECLARANT, None)

DOCS: dict[Owned, tuple[dict[str, Any], dict[str, Any]]] = {
    Owned.LICENSE: ({"holder": {"inn": HOLDER_INN}}, {"holder": {"inn": OTHER_INN}}),
    Owned.DECLARATION: ({"declarantInn": HOLDER_INN}, {"declarantInn": OTHER_INN}),
    Owned.PERMIT: ({"holderInn": HOLDER_INN}, {"holderInn": OTHER_INN}),
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_roles_by_actions(role: Role, action: Action) -> None:
    principal = Principal("k", "key", role, HOLDER_INN if role is Role.DECLARANT else None)
    assert may(principal, action) is (role.value in MATRIX[action])
    assert GRANTS[action] == {Role(r) for r in MATRIX[action]}


def test_nobody_may_do_nothing() -> None:
    assert not any(may(NOBODY, action) for action in Action)


def test_every_root_field_asks_for_one_action() -> None:
    schema = build_schema()
    found: dict[str, dict[str, Action]] = {}
    for root in ROOT_FIELDS:
        definition = schema.get_type_by_name(root)
        assert definition is not None
        fields = found.setdefault(root, {})
        for field in definition.fields:  # type: ignore[union-attr]
            (permission,) = field.permission_classes
            fields[field.name] = permission.required  # type: ignore[union-attr]
    assert found == ROOT_FIELDS


@pytest.mark.parametrize("kind", list(Owned))
def test_whose_documents_each_principal_sees(kind: Owned) -> None:
    own, other = DOCS[kind]
    for principal in (OFFICER, ANALYST, INTEGRATOR):
        access = Access(principal)
        assert access.sees(kind, own)
        assert access.sees(kind, other)
        assert access.filter(kind) == {}
        assert access.narrowed(kind, OTHER_INN) == {kind.field: OTHER_INN}
    declarant = Access(OWN)
    assert declarant.sees(kind, own)
    assert not declarant.sees(kind, other)
    assert declarant.visible(kind, other) is None
    assert declarant.filter(kind) == {kind.field: HOLDER_INN}
    assert declarant.narrowed(kind, HOLDER_INN) == {kind.field: HOLDER_INN}
    assert declarant.narrowed(kind, OTHER_INN) is None  # certainly empty: no query
    for blind in (Access(NOBODY), Access(UNBOUND)):
        assert not blind.sees(kind, own)
        assert not blind.sees(kind, other)
        assert blind.filter(kind) == {kind.field: {"$in": []}}
    assert not Access(OFFICER).sees(kind, None)


def test_who_files_declarations_for_whom() -> None:
    assert acts_for(OFFICER, OTHER_INN)
    assert acts_for(OWN, HOLDER_INN)
    assert not acts_for(OWN, OTHER_INN)
    assert not acts_for(ANALYST, HOLDER_INN)
    assert not acts_for(INTEGRATOR, HOLDER_INN)
    assert not acts_for(UNBOUND, HOLDER_INN)
    assert not acts_for(NOBODY, HOLDER_INN)
