"""Placements of goods under processing (procedure 51) against a permit's table 3
(DESIGN Part B, "A permit is also used"; Permit rules p.9; DESIGN "Term").

Declarations citing a permit are accounted against table 3 rows with the licences'
machinery: the same ledger (entries marked ``source: "PERMIT"``), the same atomicity
(all rows or none), the same annulment on withdrawal or refusal (Order 1907 p.4).  The
release of the first placement fixes the term; placements on a permit not in force or
after the term ended are refused with their ground and change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from api.clock import FixedClock
from api.db import Database
from services.ledger import PERMIT_TABLE3, verify_license
from tests.support.api import Api
from tests.support.declarations import (
    ACCOUNT,
    CONTROL,
    REFUSE,
    RELEASE,
    WITHDRAW,
    declaration_input,
    op,
    register,
)
from tests.support.permits import (
    PERMIT,
    REVOKE,
    changed,
    create,
    issued,
    key,
    norm,
    permit_input,
    row,
)

COLLECTIONS = ("permits", "permit_revisions", "ledger", "notifications", "declarations")


def moscow(text: str) -> datetime:
    return datetime.fromisoformat(text + "+03:00").astimezone(UTC)


def two_row_permit(months: int = 12) -> dict[str, Any]:
    """Wheat (1000 kg) and rye (500 kg) in table 3, both milled into flour."""
    return changed(
        permit_input(),
        table3=[
            row("Пшеница", "1001990000", "1000", number=1),
            row("Рожь", "1002900000", "500", number=2),
        ],
        yieldNorms=[
            norm("PRODUCTS", "75"),
            norm("WASTE", "20"),
            norm("LOSSES", "5"),
            norm("PRODUCTS", "75", source=2),
            norm("WASTE", "20", source=2),
            norm("LOSSES", "5", source=2),
        ],
        term={"months": months},
    )


def placement(permit: str, wheat: str | None = None, rye: str | None = None) -> dict[str, Any]:
    """A procedure 51 import declaration citing the permit's rows."""
    items = []
    if wheat is not None:
        items.append(_item(permit, 1, "Пшеница мягкая продовольственная", "1001990000", wheat))
    if rye is not None:
        items.append(_item(permit, 2, "Рожь продовольственная", "1002900000", rye))
    return declaration_input(items, direction="IMPORT", procedure="51")


def _item(permit: str, row_no: int, name: str, hs_code: str, quantity: str) -> dict[str, Any]:
    return {
        "name": name,
        "hsCode": hs_code,
        "quantity": quantity,
        "unit": "166",
        "permitNumber": permit,
        "permitRow": row_no,
    }


async def new_permit(api: Api, months: int = 12) -> str:
    number: str = (await issued(api, two_row_permit(months)))["number"]
    return number


async def table3(api: Api, number: str) -> list[tuple[str, str]]:
    """(accounted, available) of each row."""
    body = await api.data(PERMIT, {"number": number}, role="OFFICER")
    return [(r["accounted"], r["available"]) for r in body["permit"]["table3"]]


async def term(api: Api, number: str) -> tuple[str | None, str | None]:
    body = await api.data(PERMIT, {"number": number}, role="OFFICER")
    return body["permit"]["term"]["startDate"], body["permit"]["term"]["endDate"]


async def collections(database: Database) -> dict[str, list[dict[str, Any]]]:
    return {name: await database.db[name].find({}).sort("_id", 1).to_list() for name in COLLECTIONS}


async def ledger_of(database: Database, number: str) -> list[dict[str, Any]]:
    return await database.db.ledger.find({"licenseNumber": number}).sort("seq", 1).to_list()


async def verified(database: Database, number: str) -> None:
    """DESIGN "The invariant": the chain verifies and every row's figures (limit,
    accounted, released) equal the ledger's; released <= accounted <= quantity."""
    doc = await database.db.permits.find_one({"number": number})
    assert doc is not None
    result = await verify_license(database.db, doc, PERMIT_TABLE3)
    assert result.ok, result
    for r in doc["table3"]:
        assert r["released"] <= r["accounted"] <= r["quantity"]
        assert r["available"] == r["quantity"] - r["accounted"]


async def registered(api: Api, declaration: dict[str, Any]) -> str:
    payload = await register(api, declaration)
    assert payload["userErrors"] == [], payload
    number: str = payload["declaration"]["number"]
    controlled = await op(api, CONTROL, {"number": number})
    assert controlled["userErrors"] == [], controlled
    return number


async def accounted(api: Api, declaration: dict[str, Any]) -> str:
    number = await registered(api, declaration)
    payload = await op(api, ACCOUNT, {"number": number})
    assert payload["userErrors"] == [], payload
    return number


async def test_part_b_placement_accounted_against_table3_like_a_license(
    api: Api, database: Database
) -> None:
    """DESIGN Part B, "A permit is also used": a procedure 51 declaration citing the
    permit's rows writes the quantities off table 3 (same ledger, same notification as
    Order 1907 p.7, p.10), and permitTable3Utilisation shows the real figures."""
    permit = await new_permit(api)
    number = await registered(api, placement(permit, wheat="400", rye="100"))
    payload = await op(api, ACCOUNT, {"number": number})
    assert payload["userErrors"] == [], payload
    decl = payload["declaration"]
    assert decl["status"] == "ACCOUNTED"
    assert decl["items"][0]["licenseNumber"] == permit
    assert decl["accountingNotification"]["kind"] == "ACCOUNTED"
    assert [
        (e["licenseNumber"], e["lineNo"], e["operation"], e["quantity"])
        for e in decl["accountingNotification"]["entries"]
    ] == [(permit, 1, "WRITE_OFF", "400"), (permit, 2, "WRITE_OFF", "100")]
    assert await table3(api, permit) == [("400", "600"), ("100", "400")]

    entries = await ledger_of(database, permit)
    assert [(e["operation"], e["lineNo"], e["quantity"]) for e in entries] == [
        ("LIMIT_CHANGE", 1, Decimal("1000")),
        ("LIMIT_CHANGE", 2, Decimal("500")),
        ("WRITE_OFF", 1, Decimal("400")),
        ("WRITE_OFF", 2, Decimal("100")),
    ]
    permit_doc = await database.db.permits.find_one({"number": permit})
    assert permit_doc is not None
    assert {e["source"] for e in entries} == {"PERMIT"}
    assert {e["licenseId"] for e in entries} == {permit_doc["_id"]}
    notification = await database.db.notifications.find_one({"declarationNumber": number})
    assert notification is not None
    assert notification["permitNumbers"] == [permit]
    await verified(database, permit)

    body = await api.data(
        "{ permitTable3Utilisation { hsCode accounted available } }", {}, role="OFFICER"
    )
    rows = {r["hsCode"]: r for r in body["permitTable3Utilisation"]}
    assert Decimal(rows["1002900000"]["accounted"]) >= Decimal("100")


async def test_p9_release_of_the_first_placement_fixes_the_term_once(
    api: Api, database: Database, clock: FixedClock
) -> None:
    """DESIGN "Term" (Permit rules p.9): the release of the first procedure 51
    declaration citing the permit starts the term that day; later releases keep it."""
    clock.set(moscow("2027-03-01T10:00:00"))
    permit = await new_permit(api, months=12)
    clock.set(moscow("2027-03-02T11:00:00"))
    first = await accounted(api, placement(permit, wheat="300"))
    second = await accounted(api, placement(permit, rye="50"))
    assert await term(api, permit) == (None, None)  # accounting is not yet placement
    released = await op(api, RELEASE, {"number": first})
    assert released["userErrors"] == [], released
    assert released["declaration"]["status"] == "RELEASED"
    assert await term(api, permit) == ("2027-03-02", "2028-03-02")

    clock.set(moscow("2027-03-02T12:00:00"))
    released = await op(api, RELEASE, {"number": second})
    assert released["userErrors"] == [], released
    assert await term(api, permit) == ("2027-03-02", "2028-03-02")
    doc = await database.db.permits.find_one({"number": permit})
    assert doc is not None
    assert [(r["accounted"], r["released"]) for r in doc["table3"]] == [
        (Decimal("300"), Decimal("300")),
        (Decimal("50"), Decimal("50")),
    ]
    fixes = await database.db.permit_revisions.count_documents(
        {"permitId": doc["_id"], "operation": "FIX_TERM"}
    )
    assert fixes == 1
    await verified(database, permit)


async def test_p4_withdrawal_and_refusal_annul_exactly(api: Api, database: Database) -> None:
    """Order 1907 p.4 applied to permits: withdrawal annuls exactly what the placement
    wrote off; a refusal on the ground that the permit is no longer in force (revoked)
    annuls too, even though no new placement is allowed on it."""
    permit = await new_permit(api)
    withdrawn = await accounted(api, placement(permit, wheat="250", rye="40"))
    kept = await accounted(api, placement(permit, wheat="100"))
    payload = await op(api, WITHDRAW, {"number": withdrawn, "reason": "ошибка"}, role="DECLARANT")
    assert payload["userErrors"] == [], payload
    assert await table3(api, permit) == [("100", "900"), ("0", "500")]
    annulled = [
        (e["lineNo"], e["quantity"])
        for e in await ledger_of(database, permit)
        if e["operation"] == "ANNULMENT"
    ]
    assert annulled == [(1, Decimal("250")), (2, Decimal("40"))]

    revoke = await api.data(
        REVOKE,
        {"input": {"idempotencyKey": key(), "number": permit, "grounds": "нарушение"}},
        role="OFFICER",
    )
    assert revoke["revokePermit"]["userErrors"] == [], revoke
    payload = await op(
        api,
        REFUSE,
        {"number": kept, "grounds": ["PERMIT_NOT_IN_FORCE"], "reason": "разрешение отозвано"},
    )
    assert payload["userErrors"] == [], payload
    refusal = payload["declaration"]["refusal"]
    assert [g["code"] for g in refusal["grounds"]] == ["PERMIT_NOT_IN_FORCE"]
    assert await table3(api, permit) == [("0", "1000"), ("0", "500")]
    await verified(database, permit)


async def test_p9_exhaustion_of_a_row_refuses_all_rows(api: Api, database: Database) -> None:
    """Order 1907 p.8-9 applied to table 3: a row without enough quantity refuses the
    whole placement (all rows or none), with the EXHAUSTION ground; nothing changes."""
    permit = await new_permit(api)
    number = await registered(api, placement(permit, wheat="900", rye="501"))
    before = await collections(database)
    payload = await op(api, ACCOUNT, {"number": number})
    assert payload["declaration"] is None
    assert {e["code"] for e in payload["userErrors"]} == {"QUANTITY_EXCEEDS_AVAILABLE"}
    assert await collections(database) == before
    assert await table3(api, permit) == [("0", "1000"), ("0", "500")]
    payload = await op(api, REFUSE, {"number": number, "grounds": ["EXHAUSTION"], "reason": "p.9"})
    assert payload["userErrors"] == [], payload
    assert payload["declaration"]["status"] == "REFUSED"


async def test_part_b_permit_not_in_force_is_refused_with_its_ground(
    api: Api, database: Database
) -> None:
    """DESIGN Part B: a revoked permit accepts no placement (PERMIT_NOT_IN_FORCE, not
    fixable, a refusal ground); a permit still PREPARED has no number to cite yet; a
    permit cited under another procedure than 51 is refused at registration."""
    permit = await new_permit(api)
    revoke = await api.data(
        REVOKE,
        {"input": {"idempotencyKey": key(), "number": permit, "grounds": "нарушение"}},
        role="OFFICER",
    )
    assert revoke["revokePermit"]["userErrors"] == [], revoke
    number = await registered(api, placement(permit, wheat="10"))
    decl = (await op(api, CONTROL, {"number": number}))["declaration"]
    assert [(d["code"], d["fixable"]) for d in decl["discrepancies"]] == [
        ("PERMIT_NOT_IN_FORCE", False)
    ]
    before = await collections(database)
    for document in (ACCOUNT, RELEASE):
        payload = await op(api, document, {"number": number})
        assert payload["declaration"] is None
        assert "PERMIT_NOT_IN_FORCE" in {e["code"] for e in payload["userErrors"]}
    assert await collections(database) == before

    draft = await create(api, two_row_permit())
    assert draft["permit"]["status"] == "PREPARED"
    assert draft["permit"]["number"] is None
    wrong = placement(permit, wheat="10")
    wrong["procedure"] = "40"
    payload = await register(api, wrong)
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("PERMIT_NEEDS_PROCEDURE_51", ["input", "items", "0", "permitNumber"])
    ]
    both = placement(permit, wheat="10")
    both["items"][0].update(licenseNumber="X-1", lineNo=1)
    payload = await register(api, both)
    assert [e["code"] for e in payload["userErrors"]] == ["LICENCE_OR_PERMIT"]


async def test_p9_placement_after_the_term_ended_is_refused(
    api: Api, database: Database, clock: FixedClock
) -> None:
    """Permit rules p.9, DESIGN "Term": once the term has ended (its end date is still
    within it), neither accounting nor release of a placement is allowed: the ground is
    PERMIT_TERM_ENDED and nothing changes; the refusal annuls what was accounted."""
    clock.set(moscow("2027-03-01T12:00:00"))
    permit = await new_permit(api, months=1)
    first = await accounted(api, placement(permit, wheat="100"))
    assert (await op(api, RELEASE, {"number": first}))["userErrors"] == []
    assert await term(api, permit) == ("2027-03-01", "2027-04-01")

    clock.set(moscow("2027-04-01T21:00:00"))  # the last day of the term
    late = await accounted(api, placement(permit, wheat="50"))
    pending = await registered(api, placement(permit, rye="20"))
    clock.set(moscow("2027-04-02T00:30:00"))  # the term has ended
    before = await collections(database)
    for document, number in ((RELEASE, late), (ACCOUNT, pending)):
        payload = await op(api, document, {"number": number})
        assert payload["declaration"] is None
        assert "PERMIT_TERM_ENDED" in {e["code"] for e in payload["userErrors"]}, payload
    assert await collections(database) == before

    payload = await op(
        api, REFUSE, {"number": late, "grounds": ["PERMIT_TERM_ENDED"], "reason": "срок истёк"}
    )
    assert payload["userErrors"] == [], payload
    assert await table3(api, permit) == [("100", "900"), ("0", "500")]
    await verified(database, permit)
