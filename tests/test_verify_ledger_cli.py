"""``customs-api verify-ledger`` as a real process, and ``verifyLedger`` over GraphQL: a
clean ledger verifies; an entry edited behind the API's back is caught at its seq
(DESIGN: the ledger is hash-chained so tampering is detectable)."""

from __future__ import annotations

from decimal import Decimal

from api.db import Database
from tests.support.api import Api
from tests.support.declarations import (
    ACCOUNT,
    CONTROL,
    declaration_input,
    item,
    new_license,
    op,
    register,
)
from tests.test_cli import run_cli

VERIFY = """query($n: String!) {
  verifyLedger(number: $n) { licenseNumber entries ok breakSeq reason }
}"""


async def accounted_license(api: Api) -> str:
    """A licence (2 lines: entries 1-2 set the limits) with 40 written off (entry 3)."""
    license = await new_license(api)
    registered = await register(api, declaration_input([item(license, quantity="40")]))
    number = registered["declaration"]["number"]
    assert (await op(api, CONTROL, {"number": number}))["userErrors"] == []
    assert (await op(api, ACCOUNT, {"number": number}))["userErrors"] == []
    return license


async def test_verify_ledger_passes_then_catches_a_tampered_entry(
    database: Database, api: Api
) -> None:
    license = await accounted_license(api)
    licenses = await database.db.licenses.count_documents({})
    # permits with placements have their table 3 ledgers (DESIGN Part B)
    permits = await database.db.permits.count_documents({"ledgerSeq": {"$gt": 0}})
    entries = await database.db.ledger.count_documents({})

    clean = await run_cli(database, "verify-ledger")
    assert clean.code == 0, clean.out + clean.err
    with_permits = f"{permits} permits, " if permits else ""
    assert clean.out == f"{licenses} licences, {with_permits}{entries} entries verified; 0 broken\n"

    one = await run_cli(database, "verify-ledger", "--license", license)
    assert (one.code, one.out) == (0, "1 licences, 3 entries verified; 0 broken\n")

    query = {"licenseNumber": license, "seq": 3}
    entry = await database.db.ledger.find_one(query)
    assert entry is not None
    assert (entry["operation"], entry["quantity"]) == ("WRITE_OFF", Decimal("40"))
    await database.db.ledger.update_one(query, {"$set": {"quantity": Decimal("4")}})
    try:
        broken = await run_cli(database, "verify-ledger")
        assert broken.code == 1
        assert broken.out.splitlines() == [
            f"{license}: broken at seq 3: hash does not match the entry's content",
            f"{licenses} licences, {with_permits}{entries} entries verified; 1 broken",
        ]
        one = await run_cli(database, "verify-ledger", "--license", license)
        assert one.code == 1
        assert one.out.splitlines()[-1] == "1 licences, 3 entries verified; 1 broken"

        body = await api.data(VERIFY, {"n": license}, role="OFFICER")
        assert body["verifyLedger"] == {
            "licenseNumber": license,
            "entries": 3,
            "ok": False,
            "breakSeq": 3,
            "reason": "hash does not match the entry's content",
        }
    finally:  # leave the session's database clean for later tests
        await database.db.ledger.update_one(query, {"$set": {"quantity": Decimal("40")}})
    body = await api.data(VERIFY, {"n": license}, role="ANALYST")
    assert body["verifyLedger"]["ok"] is True


async def test_verify_ledger_of_an_unknown_license(database: Database) -> None:
    run = await run_cli(database, "verify-ledger", "--license", "NO-SUCH-LICENCE")
    assert run.code == 1
    assert run.out == ""
    assert "customs-api: no licence NO-SUCH-LICENCE" in run.err
