"""Edge load: does ``/healthz`` stay fast while clients send monster documents?

    uv run python bench/edge_load.py [--seconds 30] [--clients 4] [--rate-limit 0]

It starts the embedded database (SecantusDB) in a temporary folder, migrates it, creates
a DECLARANT key and starts the API as a real uvicorn process in front of it
(``customs-api serve``).  Then ``--clients`` clients send monster requests back to back
with that key, each cycling through the list below from its own starting point, while
one more client (a thread of its own, with its own connection) asks ``/healthz`` every
``--interval`` seconds and times each answer.  Every monster is one the API must refuse:

* a 10 MB comment (over the body limit: 413 before it is read),
* 1,000 repeated fields without aliases (34 KB; field merging is quadratic),
* 50,000 directives on one field,
* a 100,000-character query of unknown fields,
* a selection nested 10,000 levels deep,
* three under the default length limit, so that they are parsed: 500 repeated fields,
  2,000 directives, a selection nested 2,000 levels deep,
* variables nested 10,000 levels deep (JSON, refused at the edge).

It prints ``/healthz`` p50/p99/max idle and under load, and for each monster its size,
how many were sent, how each was answered (status and ``extensions.code``) and the
median and max time of an answer.  The rate limit is off by default
(``--rate-limit 0``) so that every monster reaches the parser; with the production
default (600) most of them get 429 after the first seconds.  Not a test: it asserts
nothing, it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from api.auth import create_api_key
from api.db import CODEC_OPTIONS, make_client
from api.edge import EdgeRefusal, check_graphql_request
from domain.access import Role
from migrations.runner import migrate
from tests.support.accounting import ApiProcess, Processes, api_env, in_temporary_folder
from tests.support.api import HOLDER_INN, START

TARGET_P99_MS = 100.0


def _json_body(query: str, variables: str = "{}") -> bytes:
    """A request body built as text, so that no client-side encoder walks the monster."""
    escaped = query.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{{"query": "{escaped}", "variables": {variables}}}'.encode()


def monsters() -> dict[str, bytes]:
    """Name -> request body."""
    unknown_fields: list[str] = []
    length = 2
    index = 0
    while length < 100_000:
        name = f"f{index}"
        unknown_fields.append(name)
        length += len(name) + 1
        index += 1
    return {
        "10 MB comment": _json_body("{ __typename }\n#" + "x" * 10_000_000),
        "1,000 repeated fields": _json_body(
            "{ " + "licenses { edges { node { id } } } " * 1000 + "}"
        ),
        "50,000 directives": _json_body("{ __typename " + "@skip(if: false) " * 50_000 + "}"),
        "100,000-character query": _json_body("{ " + " ".join(unknown_fields) + " }"),
        "10,000-deep selection": _json_body("{ " + "a { " * 10_000 + "b" + " }" * 10_000 + " }"),
        # under the default length limit (20,000 characters), so that they are parsed
        "500 repeated fields": _json_body("{ " + "licenses { edges { node { id } } } " * 500 + "}"),
        "2,000 directives": _json_body("{ __typename " + "@a " * 2000 + "}"),
        "2,000-deep selection": _json_body("{ " + "a{" * 2000 + "b" + "}" * 2000 + " }"),
        "10,000-deep JSON variables": _json_body(
            "{ __typename }", '{"v": ' + "[" * 10_000 + "]" * 10_000 + "}"
        ),
    }


@dataclass
class Answers:
    """How one monster was answered."""

    size: int
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)


def edge_check_ms(body: bytes, limit: int = 1_048_576, repeat: int = 5) -> str:
    """What the edge's own check of ``body`` costs (median, in this process): the
    share of an answer spent before GraphQL."""
    if len(body) > limit:
        return "413 unread"
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        with contextlib.suppress(EdgeRefusal):
            check_graphql_request(body, max_depth=64)
        times.append((time.perf_counter() - began) * 1000)
    return f"{statistics.median(times):.1f} ms"


def outcome(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
        code = (errors[0].get("extensions") or {}).get("code") if errors else None
        message = errors[0].get("message", "")[:60] if errors else ""
    except ValueError:
        code, message = None, response.text[:60]
    if code is None:
        return f"{response.status_code} (no code) {message!r}"
    return f"{response.status_code} {code}"


async def monster_client(
    base_url: str,
    key: str,
    bodies: list[tuple[str, bytes]],
    start: int,
    until: float,
    answers: dict[str, Answers],
) -> None:
    headers = {"x-api-key": key, "content-type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, timeout=300) as http:
        index = start
        while time.monotonic() < until:
            name, body = bodies[index % len(bodies)]
            index += 1
            began = time.perf_counter()
            try:
                response = await http.post("/graphql", content=body, headers=headers)
                result = outcome(response)
            except httpx.HTTPError as exc:
                result = f"transport error {type(exc).__name__}"
            answers[name].seconds.append(time.perf_counter() - began)
            answers[name].outcomes[result] += 1


def probe_healthz(base_url: str, interval: float, stop: threading.Event) -> list[float]:
    """Milliseconds of each /healthz answer until ``stop`` is set (runs in a thread)."""
    latencies: list[float] = []
    with httpx.Client(base_url=base_url, timeout=60) as http:
        while not stop.is_set():
            began = time.perf_counter()
            response = http.get("/healthz")
            elapsed = (time.perf_counter() - began) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"/healthz answered {response.status_code}")
            latencies.append(elapsed)
            stop.wait(max(0.0, interval - elapsed / 1000))
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def describe(latencies: list[float]) -> str:
    return (
        f"n={len(latencies)}  p50 {percentile(latencies, 0.5):7.1f} ms  "
        f"p99 {percentile(latencies, 0.99):7.1f} ms  max {max(latencies):7.1f} ms"
    )


async def measure_healthz(base_url: str, seconds: float, interval: float) -> list[float]:
    stop = threading.Event()
    task = asyncio.create_task(asyncio.to_thread(probe_healthz, base_url, interval, stop))
    await asyncio.sleep(seconds)
    stop.set()
    return await task


async def load(args: argparse.Namespace, api: ApiProcess, key: str) -> None:
    bodies = [(n, b) for n, b in monsters().items() if any(w in n for w in args.only or [n])]
    answers = {name: Answers(len(body)) for name, body in bodies}
    idle = await measure_healthz(api.base_url, args.idle_seconds, args.interval)
    print(f"/healthz idle:       {describe(idle)}")

    until = time.monotonic() + args.seconds
    stop = threading.Event()
    probe = asyncio.create_task(asyncio.to_thread(probe_healthz, api.base_url, args.interval, stop))
    clients = [
        monster_client(api.base_url, key, bodies, i * len(bodies) // args.clients, until, answers)
        for i in range(args.clients)
    ]
    await asyncio.gather(*clients)
    stop.set()
    loaded = await probe
    verdict = "OK" if percentile(loaded, 0.99) < TARGET_P99_MS else "OVER TARGET"
    print(f"/healthz under load: {describe(loaded)}  "
          f"(target p99 < {TARGET_P99_MS:.0f} ms: {verdict})")  # fmt: skip
    slow = sorted(loaded, reverse=True)[:5]
    print(f"  slowest /healthz answers: {', '.join(f'{ms:.0f} ms' for ms in slow)}")

    print(f"\n{'monster':<28}{'bytes':>12}{'edge check':>12}{'sent':>7}  "
          f"{'median':>9}{'max':>10}  answers")  # fmt: skip
    for name, answer in answers.items():
        if not answer.seconds:
            print(f"{name:<28}{answer.size:>12,}  (not sent: the run was too short)")
            continue
        median = statistics.median(answer.seconds) * 1000
        longest = max(answer.seconds) * 1000
        told = ", ".join(f"{text} x{count}" for text, count in answer.outcomes.most_common())
        edge = edge_check_ms(dict(bodies)[name])
        print(f"{name:<28}{answer.size:>12,}{edge:>12}{len(answer.seconds):>7}  "
              f"{median:>7.1f}ms{longest:>8.1f}ms  {told}")  # fmt: skip

    async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as http:
        after = await http.get("/healthz")
    print(f"\nafter the run /healthz answers {after.status_code}; the API process "
          f"{'still runs' if api.process.poll() is None else 'has exited'}")  # fmt: skip


async def main(args: argparse.Namespace) -> int:
    return await in_temporary_folder(
        "bench-edge-", lambda processes, folder: run(args, processes, folder)
    )


async def run(args: argparse.Namespace, processes: Processes, folder: Path) -> int:
    server = processes.embedded(folder / "db")
    uri = server.start()
    name = f"bench_{uuid.uuid4().hex[:8]}"
    client = make_client(uri)
    try:
        db = client.get_database(name, codec_options=CODEC_OPTIONS)
        await migrate(db)
        key = await create_api_key(
            db, name="edge load", role=Role.DECLARANT, inn=HOLDER_INN, now=START
        )
        env = api_env(mongodb_uri=uri, database=name)
        env["CUSTOMS_RATE_LIMIT_PER_MINUTE"] = str(args.rate_limit)
        api = processes.start_api(env, folder / "api.log")
        print(f"API at {api.base_url} (one uvicorn process); {args.clients} monster clients "
              f"for {args.seconds:.0f} s; rate limit {args.rate_limit or 'off'}")  # fmt: skip
        try:
            await load(args, api, key)
        except Exception:
            print(f"the API's log ends with:\n{api.output()}", file=sys.stderr)
            raise
    finally:
        await client.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the loaded run")
    parser.add_argument("--idle-seconds", type=float, default=3, help="idle /healthz run")
    parser.add_argument("--clients", type=int, default=4, help="monster clients")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between probes")
    parser.add_argument(
        "--only", nargs="*", help="send only the monsters whose name contains one of these"
    )
    parser.add_argument(
        "--rate-limit", type=int, default=0, help="CUSTOMS_RATE_LIMIT_PER_MINUTE of the API"
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
