"""Shared by the accounting load and crash tests and ``bench/accounting.py``: the real API
as a child process, a small GraphQL client for the declaration mutations, and the
invariant of DESIGN "The invariant" checked by reading the database directly.

Every process started through :class:`Processes` is stopped by its ``close()``, also
when the caller fails; an embedded server left behind by a killed API is found through
/proc and killed too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from api.embedded import EmbeddedDatabase
from services.ledger import verify_license
from tests.support.api import HOLDER_INN

Document = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]  # the project
READY_TIMEOUT = 60.0

# --- processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg]


def server_pids(folder: Path) -> list[int]:
    """Live secantusd-py processes whose command line names a path inside ``folder``."""
    folder_text = str(folder.resolve())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        args = cmdline(int(entry))
        inside = any(arg == folder_text or arg.startswith(folder_text + os.sep) for arg in args)
        if inside and any("secantusd-py" in arg for arg in args):
            found.append(int(entry))
    return found


def wait_until_gone(folder: Path, timeout: float = 15) -> float:
    """Seconds until no secantusd-py serves ``folder``; AssertionError after ``timeout``."""
    started = time.monotonic()
    while server_pids(folder):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"secantusd-py still runs for {folder}: {server_pids(folder)}")
        time.sleep(0.05)
    return time.monotonic() - started


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def api_env(
    *, data_dir: Path | None = None, mongodb_uri: str | None = None, database: str | None = None
) -> dict[str, str]:
    """The environment of a real API process: the embedded database in ``data_dir``, or
    the server at ``mongodb_uri``; the clock header allowed (the scenarios need moments
    after the release deadline)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CUSTOMS_") and k != "MONGODB_URI"
    }
    env.update(
        CUSTOMS_LOG_JSON="false",
        CUSTOMS_LOG_LEVEL="WARNING",
        CUSTOMS_ALLOW_CLOCK_HEADER="true",
        CUSTOMS_RATE_LIMIT_PER_MINUTE="0",  # load runs send thousands a minute on one key
        PYTHONUNBUFFERED="1",
    )
    if data_dir is not None:
        env["CUSTOMS_DATA_DIR"] = str(data_dir)
    if mongodb_uri is not None:
        env["MONGODB_URI"] = mongodb_uri
    if database is not None:
        env["CUSTOMS_DATABASE"] = database
    return env


@dataclass
class ApiProcess:
    """``customs-api serve`` in a child process."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@dataclass
class Processes:
    """Everything started here; ``close()`` stops it all."""

    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    servers: list[EmbeddedDatabase] = field(default_factory=list)

    def embedded(self, data_dir: Path) -> EmbeddedDatabase:
        server = EmbeddedDatabase(data_dir)
        self.servers.append(server)
        return server

    def popen(
        self, command: list[str], *, log: Path, env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
            )
        self.processes.append(process)
        return process

    def start_api(self, env: dict[str, str], log: Path) -> ApiProcess:
        """The API on a free port, returned once /readyz answers 200."""
        port = free_port()
        command = [sys.executable, "-m", "api.cli", "serve"]
        process = self.popen(command, log=log, env={**env, "CUSTOMS_PORT": str(port)})
        api = ApiProcess(process=process, base_url=f"http://127.0.0.1:{port}", log=log)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the API exited with {process.returncode} before ready:\n{api.output()}"
                )
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{api.base_url}/readyz", timeout=2).status_code == 200:
                    return api
            time.sleep(0.1)
        raise RuntimeError(f"the API was not ready in {READY_TIMEOUT}s:\n{api.output()}")

    def close(self) -> None:
        for process in reversed(self.processes):
            stop_process(process)
        for server in reversed(self.servers):
            server.stop()
        for pid in server_pids(self.folder):  # a server orphaned despite PDEATHSIG
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# --- GraphQL ----------------------------------------------------------------------------

DECLARATION = """
  number kind status revision version
  items { itemNo quantity value licenseNumber lineNo }
  discrepancies { code itemNo }
  refusal { grounds { code itemNos } }
  accountingNotification { kind entries { licenseNumber lineNo itemNo operation quantity value } }
  ledgerEntries { seq licenseNumber lineNo itemNo operation quantity value
                  after { limit accounted released } }
"""


def mutation(
    name: str, input_type: str, fields: str = DECLARATION, node: str = "declaration"
) -> str:
    return "mutation($input: %s!) { %s(input: $input) { replayed %s { %s } %s } }" % (
        input_type,
        name,
        node,
        fields,
        "userErrors { code }",
    )


REGISTER = mutation("registerDeclaration", "RegisterDeclarationInput")
CONTROL = mutation("controlDeclaration", "DeclarationOperationInput")
ACCOUNT = mutation("accountDeclaration", "DeclarationOperationInput")
RELEASE = mutation("releaseDeclaration", "DeclarationOperationInput")
REFUSE = mutation("refuseRelease", "RefuseReleaseInput")
WITHDRAW = mutation("withdrawDeclaration", "WithdrawDeclarationInput")
LICENSE = "number status version lines { lineNo quantityLimit accounted released }"
REGISTER_LICENSE = mutation("registerLicense", "RegisterLicenseInput", LICENSE, "license")
SUSPEND = mutation("suspendLicense", "LicenseStatusMessageInput", LICENSE, "license")
RESUME = mutation("resumeLicense", "LicenseStatusMessageInput", LICENSE, "license")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def license(number: str) -> Document:
    """Small limits: line 1 60 pieces and 50,000 USD, line 2 150 kg."""
    return {
        "messageId": unique("msg"),
        "number": number,
        "type": "ONE_TIME",
        "direction": "EXPORT",
        "issuingAuthority": "Минпромторг России",
        "holder": {"inn": HOLDER_INN, "name": "ООО «Ромашка»"},
        "counterparty": {"name": "Acme GmbH", "country": "DE"},
        "validFrom": "2027-01-01",
        "validTo": "2027-12-31",
        "lines": [
            {"lineNo": 1, "name": "Трансформаторы силовые", "hsCode": "8504210000",
             "unit": "796", "quantityLimit": "60", "valueLimit": "50000.00", "currency": "USD"},
            {"lineNo": 2, "name": "Медная проволока", "hsCode": "7408", "unit": "166",
             "quantityLimit": "150"},
        ],
    }  # fmt: skip


@dataclass
class Answer:
    """One mutation's answer: its payload (``None`` when the request got no answer)."""

    payload: Document | None
    error: str | None = None

    @property
    def replayed(self) -> bool:
        return bool(self.payload and self.payload["replayed"])

    @property
    def codes(self) -> list[str]:
        return [e["code"] for e in (self.payload or {}).get("userErrors", [])]

    @property
    def ok(self) -> bool:
        return self.payload is not None and not self.codes

    def node(self) -> Document | None:
        """The payload without ``replayed``: what a resend must repeat."""
        if self.payload is None:
            return None
        return {k: v for k, v in self.payload.items() if k != "replayed"}


async def send(
    http: httpx.AsyncClient,
    key: str,
    document: str,
    input_: Document,
    *,
    now: datetime | None = None,
) -> Answer:
    """POST one mutation; a transport failure or a GraphQL error is an ``Answer`` with
    ``error`` set (the caller decides whether that may happen)."""
    headers = {"x-api-key": key}
    if now is not None:
        headers["x-customs-now"] = now.isoformat()
    try:
        response = await http.post(
            "/graphql", json={"query": document, "variables": {"input": input_}}, headers=headers
        )
    except httpx.TransportError as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}")
    if response.status_code != 200:
        return Answer(None, f"HTTP {response.status_code}: {response.text[:300]}")
    body = response.json()
    if body.get("errors"):
        return Answer(None, f"GraphQL errors: {body['errors']}")
    payload: Document = next(iter(body["data"].values()))
    return Answer(payload)


# --- the invariant, read from the database --------------------------------------------


@dataclass
class LineReport:
    license: str
    line_no: int
    limit: Decimal
    accounted: Decimal
    released: Decimal
    value_limit: Decimal | None
    value_accounted: Decimal | None
    value_released: Decimal | None

    def __str__(self) -> str:
        text = f"{self.license} line {self.line_no}: limit {self.limit} accounted {self.accounted} "
        text += f"released {self.released}"
        if self.value_limit is not None:
            text += (
                f"; value limit {self.value_limit} accounted {self.value_accounted} "
                f"released {self.value_released}"
            )
        return text


@dataclass
class InvariantReport:
    """What :func:`check_invariant` found: problems (empty when the invariant holds) and
    the figures."""

    problems: list[str]
    lines: list[LineReport]
    ledger_entries: int
    entries_by_operation: dict[str, int]
    declarations_by_status: dict[str, int]


_ZERO = Decimal(0)


async def check_invariant(
    db: AsyncDatabase[Document], license_numbers: list[str]
) -> InvariantReport:
    """DESIGN "The invariant" for ``licence_numbers`` and every declaration citing them:

    * every line: ``0 <= released <= accounted <= limit``, the same for value;
    * each licence's ledger verifies (chain, hashes) and its figures equal the ledger's;
    * per declaration item: at most one net write-off, an annulment never returns more
      than was written off, released <= what is written off; an accounted or released
      declaration holds exactly its items' quantities, any other none;
    * a full declaration's actualisation nets to its quantity less its temporary ones'
      when it is accounted or released, to zero otherwise.
    """
    problems: list[str] = []
    reports: list[LineReport] = []
    licenses = await db.licenses.find({"number": {"$in": license_numbers}}).to_list()
    if len(licenses) != len(license_numbers):
        problems.append(f"found {len(licenses)} of {len(license_numbers)} licences")
    for license in licenses:
        for line in license["lines"]:
            report = LineReport(
                license["number"],
                line["lineNo"],
                line["quantityLimit"],
                line["accounted"],
                line["released"],
                line.get("valueLimit"),
                line.get("valueAccounted"),
                line.get("valueReleased"),
            )
            reports.append(report)
            if not _ZERO <= report.released <= report.accounted <= report.limit:
                problems.append(f"quantity invariant broken: {report}")
            if report.value_limit is not None:
                va, vr = report.value_accounted or _ZERO, report.value_released or _ZERO
                if not _ZERO <= vr <= va <= report.value_limit:
                    problems.append(f"value invariant broken: {report}")
        verification = await verify_license(db, license)
        if not verification.ok:
            problems.append(f"ledger of {license['number']} does not verify: {verification}")

    entries = await db.ledger.find({"licenseNumber": {"$in": license_numbers}}).to_list()
    by_operation: dict[str, int] = defaultdict(int)
    # (declaration, item, licence, line) -> operation -> [count, quantity, value]
    per_item: dict[tuple[str, int, str, int], dict[str, list[Any]]] = defaultdict(
        lambda: defaultdict(lambda: [0, _ZERO, _ZERO])
    )
    actualised: dict[str, dict[tuple[str, int], Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for entry in entries:
        by_operation[entry["operation"]] += 1
        number = entry.get("declarationNumber")
        if number is None:
            continue
        if entry["operation"] == "ACTUALISATION":
            actualised[number][(entry["licenseNumber"], entry["lineNo"])] += entry["quantity"]
            continue
        key = (number, entry["itemNo"], entry["licenseNumber"], entry["lineNo"])
        figures = per_item[key][entry["operation"]]
        figures[0] += 1
        figures[1] += entry["quantity"]
        figures[2] += entry.get("value") or _ZERO

    declarations = await db.declarations.find(
        {"items.licenseNumber": {"$in": license_numbers}}
    ).to_list()
    by_number = {d["number"]: d for d in declarations}
    by_status: dict[str, int] = defaultdict(int)
    for key, ops in per_item.items():
        written, annulled, released = ops["WRITE_OFF"], ops["ANNULMENT"], ops["RELEASE"]
        net_count = written[0] - annulled[0]
        net = written[1] - annulled[1]
        if net_count not in (0, 1):
            problems.append(f"item {key}: {written[0]} write-offs, {annulled[0]} annulments")
        if net < 0 or written[2] - annulled[2] < 0:
            problems.append(f"item {key}: annulments return more than was written off: {ops}")
        if released[1] > net or released[2] > written[2] - annulled[2]:
            problems.append(f"item {key}: released {released[1]} exceeds held {net}")
    for doc in declarations:
        by_status[doc["status"]] += 1
        holds = doc["status"] in ("ACCOUNTED", "RELEASED")
        for item in doc["items"]:
            if item.get("earlierDeclaration") or doc["kind"] == "FULL":
                continue
            key = (doc["number"], item["itemNo"], item["licenseNumber"], item["lineNo"])
            ops = per_item.get(key, {})
            written = ops.get("WRITE_OFF", [0, _ZERO, _ZERO])
            annulled = ops.get("ANNULMENT", [0, _ZERO, _ZERO])
            net = written[1] - annulled[1]
            expected = item["quantity"] if holds else _ZERO
            if net != expected:
                problems.append(
                    f"{doc['number']} ({doc['status']}) item {item['itemNo']}: holds {net}, "
                    f"expected {expected}"
                )
            if doc["status"] == "RELEASED":
                released = ops.get("RELEASE", [0, _ZERO, _ZERO])[1]
                if doc["kind"] == "STANDARD" and released != item["quantity"]:
                    problems.append(f"{doc['number']} item {item['itemNo']}: released {released}")
    for doc in declarations:
        if doc["kind"] != "FULL":
            continue
        # Order 1907 p.12: the full declaration's figures minus its temporaries'.
        difference: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for item in doc["items"]:
            difference[(item["licenseNumber"], item["lineNo"])] += item["quantity"]
        for temp_number in doc["temporaryNumbers"]:
            temp = by_number.get(temp_number)
            if temp is None:
                problems.append(f"{doc['number']}: temporary {temp_number} not found")
                continue
            for item in temp["items"]:
                difference[(item["licenseNumber"], item["lineNo"])] -= item["quantity"]
        got = actualised.get(doc["number"], {})
        holds = doc["status"] in ("ACCOUNTED", "RELEASED")
        expected_lines: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for line_key, delta in difference.items():
            if holds:
                expected_lines[line_key] = delta
            elif got.get(line_key, _ZERO) != _ZERO:
                # DESIGN "Temporary declarations": refusing (or withdrawing) the full one
                # annuls only what it added; what it returned stays returned.
                expected_lines[line_key] = min(delta, _ZERO)
        for line_key in set(expected_lines) | set(got):
            if expected_lines.get(line_key, _ZERO) != got.get(line_key, _ZERO):
                problems.append(
                    f"full {doc['number']} ({doc['status']}) line {line_key}: actualised "
                    f"{got.get(line_key, _ZERO)}, expected {expected_lines.get(line_key, _ZERO)}"
                )
    return InvariantReport(
        problems,
        sorted(reports, key=lambda r: (r.license, r.line_no)),
        len(entries),
        dict(sorted(by_operation.items())),
        dict(sorted(by_status.items())),
    )


async def in_temporary_folder(prefix: str, run: Callable[[Processes, Path], Awaitable[int]]) -> int:
    """Run a benchmark's ``run(processes, folder)`` in a temporary folder, stopping every
    process it started when it ends, also on failure; its exit code."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        processes = Processes(Path(folder))
        try:
            return await run(processes, Path(folder))
        finally:
            processes.close()
