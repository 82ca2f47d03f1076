"""One load worker of ``test_accounting_concurrency``: a separate OS process that sends a
bounded, seeded random mix of Order 1907 scenarios to a running API over HTTP.

    python -m tests.support.load_worker CONFIG.json

Each scenario is register -> control -> account -> (release | withdrawal | refusal), or
temporary declarations completed by a full one (p.11-12), or a suspension from the feed
with a refusal on it (p.9); some operations are resent with the same idempotency key,
right after the first send or concurrently with it.  Every answer is written as one JSON
line to the config's ``out`` file; the test reads them back.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.support.accounting import (
    ACCOUNT,
    CONTROL,
    REFUSE,
    REGISTER,
    RELEASE,
    RESUME,
    SUSPEND,
    WITHDRAW,
    Answer,
    send,
    unique,
)
from tests.support.api import HOLDER_INN

Document = dict[str, Any]
OFFICE = "10702030"
EXHAUSTED = {"QUANTITY_EXCEEDS_AVAILABLE", "VALUE_EXCEEDS_AVAILABLE", "LICENCE_EXHAUSTED"}

#: scenario -> weight
MIX = {
    "release": 34,
    "withdraw": 16,
    "withdraw_unaccounted": 6,
    "big": 10,
    "multi": 8,
    "unfixed": 8,
    "suspension": 6,
    "periodic": 12,
}


def line1_item(license: str, quantity: int, **extra: Any) -> Document:
    """An item on line 1 (pieces, with a value limit in USD)."""
    return {
        "name": "Трансформаторы силовые масляные",
        "hsCode": "8504210000",
        "quantity": str(quantity),
        "unit": "796",
        "value": str(quantity * 1000),
        "currency": "USD",
        "licenseNumber": license,
        "lineNo": 1,
        **extra,
    }


def line2_item(license: str, quantity: Decimal, name: str = "Медная проволока круглая") -> Document:
    """An item on line 2 (kilograms, no value limit)."""
    return {
        "name": name,
        "hsCode": "7408110000",
        "quantity": str(quantity),
        "unit": "166",
        "licenseNumber": license,
        "lineNo": 2,
    }


@dataclass
class Worker:
    config: Document
    http: httpx.AsyncClient
    out: Any
    started: float = field(default_factory=time.monotonic)
    serial: int = 0
    suspension_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sent: int = 0

    @property
    def keys(self) -> dict[str, str]:
        keys: dict[str, str] = self.config["keys"]
        return keys

    def now(self) -> datetime:
        start = datetime.fromisoformat(self.config["start"])
        return start + timedelta(seconds=time.monotonic() - self.started)

    def number(self) -> str:
        self.serial += 1
        return f"{OFFICE}/010327/{self.config['worker'] + 1}{self.serial:06d}"

    def record(self, answer: Answer, **fields: Any) -> None:
        self.sent += 1
        line = {
            **fields,
            "worker": self.config["worker"],
            "replayed": answer.replayed,
            "codes": answer.codes,
            "ok": answer.ok,
            "error": answer.error,
            "node": answer.node(),
        }
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")

    async def op(
        self,
        rng: random.Random,
        kind: str,
        document: str,
        input_: Document,
        *,
        role: str = "OFFICER",
        now: datetime | None = None,
        key_field: str = "idempotencyKey",
    ) -> Answer:
        """Send one operation; maybe resend it (after, or concurrently with, the first)."""
        key = unique(kind)
        input_ = {key_field: key, **input_}
        moment = now or self.now()
        api_key = self.keys[role]
        roll = rng.random()
        resend = self.config["resend_share"]

        async def one(mode: str) -> Answer:
            answer = await send(self.http, api_key, document, input_, now=moment)
            self.record(answer, op=kind, key=key, mode=mode, t=time.monotonic())
            return answer

        if roll < resend / 2:  # concurrent with the first send
            answers = await asyncio.gather(one("concurrent"), one("concurrent"))
            firsts = [a for a in answers if not a.replayed]
            return firsts[0] if firsts else answers[0]
        first = await one("first")
        if roll < resend:
            await one("resend")
        return first

    # scenarios -----------------------------------------------------------------------

    async def register(
        self, rng: random.Random, items: list[Document], **extra: Any
    ) -> tuple[str, Answer]:
        number = self.number()
        for index, item in enumerate(items, start=1):
            item["itemNo"] = index
        declaration = {
            "number": number,
            "kind": "STANDARD",
            "direction": "EXPORT",
            "procedure": "10",
            "customsOffice": OFFICE,
            "declarantInn": HOLDER_INN,
            "items": items,
            **extra,
        }
        answer = await self.op(
            rng, "register", REGISTER, {"declaration": declaration}, role="DECLARANT"
        )
        return number, answer

    async def finish_refused(self, rng: random.Random, number: str, codes: list[str]) -> None:
        """An accounting or release was refused: refuse release on the ground it names
        when there is one (p.9), withdraw when that fails or there is none (p.4)."""
        ground = None
        if set(codes) & EXHAUSTED:
            ground = "EXHAUSTION"
        elif "LICENCE_SUSPENDED" in codes:
            ground = "SUSPENSION"
        if ground is not None:
            refused = await self.op(
                rng, "refuse", REFUSE, {"number": number, "grounds": [ground], "reason": "p.9"}
            )
            if refused.ok:
                return
        await self.op(rng, "withdraw", WITHDRAW, {"number": number, "reason": "отзыв"})

    async def standard(self, rng: random.Random, items: list[Document], end: str) -> None:
        number, registered = await self.register(rng, items)
        if not registered.ok:
            return
        await self.op(rng, "control", CONTROL, {"number": number})
        if end == "withdraw_unaccounted":
            await self.op(rng, "withdraw", WITHDRAW, {"number": number, "reason": "отзыв"})
            return
        accounted = await self.op(rng, "account", ACCOUNT, {"number": number})
        if not accounted.ok:
            await self.finish_refused(rng, number, accounted.codes)
            return
        if end == "withdraw":
            await self.op(rng, "withdraw", WITHDRAW, {"number": number, "reason": "отзыв"})
            return
        released = await self.op(rng, "release", RELEASE, {"number": number})
        if not released.ok:
            await self.finish_refused(rng, number, released.codes)

    async def unfixed(self, rng: random.Random, license: str) -> None:
        """A name that does not match the line (p.6): not accounted; refused on
        UNFIXED_DISCREPANCIES once the release deadline has passed (p.9, DESIGN)."""
        registered_at = self.now()
        item = line2_item(license, Decimal(rng.randint(1, 9)), name="Алюминиевая проволока")
        number, registered = await self.register(rng, [item])
        if not registered.ok:
            return
        await self.op(rng, "control", CONTROL, {"number": number})
        await self.op(rng, "account", ACCOUNT, {"number": number})
        grounds = {"number": number, "grounds": ["UNFIXED_DISCREPANCIES"], "reason": "p.9"}
        if rng.random() < 0.3:  # before the deadline the ground does not hold yet
            await self.op(rng, "refuse", REFUSE, grounds)
        late = registered_at + timedelta(hours=5)
        await self.op(rng, "refuse", REFUSE, grounds, now=late)

    async def suspension(self, rng: random.Random, license: str) -> None:
        """Suspended by the feed (p.9): refusal on SUSPENSION annuls the accounting (p.4);
        then the licence is resumed.  One suspension at a time per worker."""
        async with self.suspension_lock:
            number, registered = await self.register(rng, [line1_item(license, rng.randint(1, 4))])
            if not registered.ok:
                return
            await self.op(rng, "control", CONTROL, {"number": number})
            await self.op(rng, "account", ACCOUNT, {"number": number})
            message = {"number": license, "reason": "проверка"}
            await self.op(
                rng, "suspend", SUSPEND, message, role="INTEGRATOR", key_field="messageId"
            )
            refusal = {"number": number, "grounds": ["SUSPENSION"], "reason": "p.9"}
            refused = await self.op(rng, "refuse", REFUSE, refusal)
            await self.op(rng, "resume", RESUME, message, role="INTEGRATOR", key_field="messageId")
            if not refused.ok:
                await self.op(rng, "withdraw", WITHDRAW, {"number": number, "reason": "отзыв"})

    async def periodic(self, rng: random.Random, license: str) -> None:
        """Temporary declarations, each accounted and released, then the full one that
        completes them: the difference is actualised (p.11-12)."""
        done: list[tuple[str, int]] = []
        for _ in range(rng.randint(1, 2)):
            quantity = rng.randint(1, 4)
            number, registered = await self.register(
                rng, [line1_item(license, quantity)], kind="TEMPORARY"
            )
            if not registered.ok:
                continue
            await self.op(rng, "control", CONTROL, {"number": number})
            accounted = await self.op(rng, "account", ACCOUNT, {"number": number})
            if not accounted.ok:
                await self.finish_refused(rng, number, accounted.codes)
                continue
            released = await self.op(rng, "release", RELEASE, {"number": number})
            if released.ok:
                done.append((number, quantity))
            else:
                await self.finish_refused(rng, number, released.codes)
        if not done:
            return
        total = sum(q for _, q in done)
        delta = rng.choice([-1, 1, 2]) if total > 1 else rng.choice([1, 2])
        number, registered = await self.register(
            rng,
            [line1_item(license, total + delta)],
            kind="FULL",
            temporaryDeclarations=[n for n, _ in done],
        )
        if not registered.ok:
            return
        await self.op(rng, "control", CONTROL, {"number": number})
        accounted = await self.op(rng, "actualise", ACCOUNT, {"number": number})
        if not accounted.ok:
            await self.finish_refused(rng, number, accounted.codes)
            return
        if rng.random() < 0.3:
            await self.op(rng, "withdraw", WITHDRAW, {"number": number, "reason": "отзыв"})
            return
        released = await self.op(rng, "release", RELEASE, {"number": number})
        if not released.ok:
            await self.finish_refused(rng, number, released.codes)

    async def scenario(self, index: int) -> None:
        rng = random.Random(f"{self.config['seed']}:{self.config['worker']}:{index}")
        licenses: list[str] = self.config["licences"]
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        license = rng.choice(licenses)
        if kind in ("release", "withdraw", "withdraw_unaccounted"):
            item = (
                line1_item(license, rng.randint(1, 5))
                if rng.random() < 0.5
                else line2_item(license, Decimal(rng.randint(10, 80)) / 4)
            )
            await self.standard(rng, [item], kind)
        elif kind == "big":
            await self.standard(rng, [line1_item(license, rng.randint(8, 20))], "release")
        elif kind == "multi":
            first, second = rng.sample(licenses, 2)
            items = [
                line2_item(first, Decimal(rng.randint(4, 40)) / 4),
                line2_item(second, Decimal(rng.randint(4, 40)) / 4),
            ]
            await self.standard(rng, items, rng.choice(["release", "withdraw"]))
        elif kind == "unfixed":
            await self.unfixed(rng, license)
        elif kind == "suspension":
            await self.suspension(rng, self.config["suspend"])
        else:
            await self.periodic(rng, license)

    async def run(self) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(self.config["scenarios"]):
            queue.put_nowait(index)

        async def task() -> None:
            while True:
                try:
                    index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self.scenario(index)

        await asyncio.gather(*(task() for _ in range(self.config["tasks"])))


async def load(config: Document, out: Any) -> Worker:
    limits = httpx.Limits(max_connections=config["tasks"] * 2 + 4)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(
        base_url=config["base_url"], limits=limits, timeout=timeout
    ) as http:
        worker = Worker(config, http, out)
        await worker.run()
    return worker


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    with Path(config["out"]).open("w") as out:
        worker = asyncio.run(load(config, out))
    print(f"worker {config['worker']}: {worker.sent} requests in "
          f"{time.monotonic() - worker.started:.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
