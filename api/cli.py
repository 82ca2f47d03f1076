"""Command line: ``customs-api serve | migrate | create-api-key | export-schema |
verify-ledger``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.auth import check_key_binding, create_api_key
from api.db import DatabaseUnsuitable, open_database
from api.embedded import EmbeddedDatabaseError
from api.logs import configure_logging
from api.settings import get_settings
from domain.access import Role
from migrations.runner import MigrationLocked, force_unlock, migrate
from schema.compat import SCHEMA_FILE


def _serve(_args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    uvicorn.run(
        "api.app:create_default_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        access_log=False,  # RequestMiddleware logs each request with its id
    )
    return 0


async def _migrate(args: argparse.Namespace) -> int:
    async with open_database(get_settings(), attach=True) as database:
        if args.force_unlock:
            removed = await force_unlock(database.db)
            print("lock removed" if removed else "no lock was held")
        applied = await migrate(database.db)
        print("applied: " + (", ".join(applied) if applied else "nothing, all up to date"))
    return 0


async def _create_key(args: argparse.Namespace) -> int:
    check_key_binding(Role(args.role), args.inn)  # before starting any database
    async with open_database(get_settings(), attach=True) as database:
        await migrate(database.db)
        key = await create_api_key(
            database.db,
            name=args.name,
            role=Role(args.role),
            inn=args.inn,
            now=datetime.now(UTC),
        )
    print(key)
    print(f"(role {args.role}; shown once: store it now; send it as X-API-Key)", file=sys.stderr)
    return 0


async def _verify_ledger(args: argparse.Namespace) -> int:
    """DESIGN: recompute every licence's hash chain and figures from its ledger, and
    every processing permit's whose table 3 has placements (DESIGN Part B); one line per
    ledger that does not verify, a summary, exit 1 when any does not."""
    from services.ledger import LICENSES, PERMIT_TABLE3, LedgerTarget, Verification
    from services.ledger import verify_license as verify

    async with open_database(get_settings(), attach=True) as database:
        db = database.db

        async def verified(doc: dict[str, Any], target: LedgerTarget) -> Verification:
            result: Verification = await verify(db, doc, target)
            # The document and its entries are read one after the other: a write-off
            # committed in between looks like a break.  A real one stays; check again
            # while the document keeps moving.
            for _ in range(3):
                if result.ok:
                    break
                fresh = await db[target.collection].find_one({"_id": doc["_id"]})
                if fresh is None or (fresh.get("ledgerSeq"), fresh[target.guard]) == (
                    doc.get("ledgerSeq"),
                    doc[target.guard],
                ):
                    break
                doc = fresh
                result = await verify(db, doc, target)
            return result

        query = {} if args.license is None else {"number": args.license}
        sources: list[tuple[LedgerTarget, dict[str, Any]]] = [(LICENSES, query)]
        if args.license is None:
            sources.append((PERMIT_TABLE3, {"ledgerSeq": {"$gt": 0}}))
        counts = {LICENSES.collection: 0, PERMIT_TABLE3.collection: 0}
        entries = broken = 0
        for target, selection in sources:
            async for doc in db[target.collection].find(selection, sort=[("number", 1)]):
                result = await verified(doc, target)
                counts[target.collection] += 1
                entries += result.entries
                if not result.ok:
                    broken += 1
                    where = (
                        "broken"
                        if result.break_seq is None
                        else f"broken at seq {result.break_seq}"
                    )
                    print(f"{result.license_number}: {where}: {result.reason}")
    licenses, permits = counts[LICENSES.collection], counts[PERMIT_TABLE3.collection]
    if args.license is not None and licenses == 0:
        print(f"customs-api: no licence {args.license}", file=sys.stderr)
        return 1
    with_permits = f"{permits} permits, " if permits else ""
    print(f"{licenses} licences, {with_permits}{entries} entries verified; {broken} broken")
    return 1 if broken else 0


def _export_schema(args: argparse.Namespace) -> int:
    from schema.compat import breaking_changes, deliberate_changes, mark_deliberate
    from schema.root import schema_sdl

    sdl = schema_sdl()
    target = Path(args.path)
    if args.check:
        if not target.exists() or target.read_text() != sdl:
            print(f"{target} is stale: run `customs-api export-schema`", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    if target.exists():
        unmarked = [
            c for c in breaking_changes(target.read_text(), sdl) if c not in deliberate_changes()
        ]
        if unmarked and not args.allow_breaking:
            print("breaking changes (clients may fail):", file=sys.stderr)
            for change in unmarked:
                print(f"  {change}", file=sys.stderr)
            print(
                "make them compatible, or mark them deliberate with "
                "`customs-api export-schema --allow-breaking REASON`",
                file=sys.stderr,
            )
            return 1
        if unmarked:
            mark_deliberate(unmarked, args.allow_breaking)
    target.write_text(sdl)
    print(f"wrote {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="customs-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="apply migrations and run the API")
    migrate_cmd = commands.add_parser("migrate", help="apply pending migrations")
    migrate_cmd.add_argument(
        "--force-unlock", action="store_true", help="clear a lock left by a crashed runner"
    )
    key_cmd = commands.add_parser("create-api-key", help="create an API key (printed once)")
    key_cmd.add_argument("--name", required=True, help="who or what uses the key")
    key_cmd.add_argument("--role", required=True, choices=[r.value for r in Role])
    key_cmd.add_argument("--inn", help="the declarant's INN (DECLARANT keys only)")
    export_cmd = commands.add_parser("export-schema", help="write schema.graphql")
    export_cmd.add_argument("path", nargs="?", default=str(SCHEMA_FILE))
    export_cmd.add_argument("--check", action="store_true", help="fail when the file is stale")
    export_cmd.add_argument(
        "--allow-breaking",
        metavar="REASON",
        help="accept breaking changes, recording them with REASON in schema-changes.md",
    )
    verify_cmd = commands.add_parser(
        "verify-ledger",
        help="verify every licence's ledger chain and figures (exit 1 when any is broken)",
    )
    verify_cmd.add_argument("--license", metavar="NUMBER", help="only this licence")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "export-schema":
            return _export_schema(args)
        configure_logging("WARNING", json_lines=False)
        runner = {"migrate": _migrate, "verify-ledger": _verify_ledger}.get(
            args.command, _create_key
        )
        return asyncio.run(runner(args))
    except (EmbeddedDatabaseError, DatabaseUnsuitable, MigrationLocked, ValueError) as exc:
        print(f"customs-api: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
