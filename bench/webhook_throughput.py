"""Webhook mode: updates handled per second with 1, 2 and 3 receiver processes (and a
dispatcher process) on one PostgreSQL, and the time from Telegram's webhook request to the
reply being sent (p50, p99).

Each run: a fresh database, the emulator posting by webhook through a round-robin proxy,
`users` users each sending `per_user` /help commands at once (the throughput; their latency
is mostly the backlog's), then `paced` users one /help each at `rate` a second (the latency
without a backlog); a reply is "sent" when the emulator receives its sendMessage. Every
reply goes through the outbox (webhook mode), sent by the one dispatcher leader within the
tests' quick budget (Telegram's real 30/s would be the limit otherwise). Without PostgreSQL
(`--backend sqlite`) only one receiver can run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.migrate import upgrade_to_head
from tests.databases import PostgresDatabases, postgres_server_url
from tests.webhook.processes import Fleet


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _measure(
    database_url: str, receivers: int, users: int, per_user: int, paced: int, rate: float
) -> str:
    async with BotApiEmulator() as emulator:
        people = [emulator.create_user(f"P{n}") for n in range(users)]
        with tempfile.TemporaryDirectory() as logs:
            fleet = Fleet(
                emulator=emulator, database_url=database_url, logs=Path(logs), receivers=receivers
            )
            try:
                await fleet.start()
                burst, elapsed = await _run(emulator, people, per_user, rate=None)
                # Then at a steady pace under capacity: the latency without a backlog.
                replies, _ = await _run(emulator, people[:paced], 1, rate=rate)
            finally:
                await fleet.stop()
    posted = emulator.world.updates.first_posted_at
    burst_latency = [replied - posted[update_id] for update_id, replied in burst.items()]
    latencies = [replied - posted[update_id] for update_id, replied in replies.items()]
    total = users * per_user
    return (
        f"{receivers} receiver(s): {total / elapsed:,.0f} updates/s, webhook to reply "
        f"p50 {_percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {_percentile(latencies, 0.99) * 1000:.0f} ms at {rate:g}/s "
        f"({total} updates from {users} users at once: their p99 "
        f"{_percentile(burst_latency, 0.99):.1f} s, the backlog)"
    )


async def _run(
    emulator: BotApiEmulator, people: list[TelegramUser], per_user: int, rate: float | None
) -> tuple[dict[int, float], float]:
    """Send every update (all at once, or `rate` a second); when each user's k-th reply
    arrived (after those already there), keyed by their k-th update."""
    queue = emulator.world.updates
    sent: dict[int, list[int]] = {person.id: [] for person in people}
    seen = {person.id: len(person.bot_messages) for person in people}
    first = dict(seen)
    started = time.perf_counter()

    async def send() -> None:
        for _ in range(per_user):
            for person in people:
                person.send_command("/help")
                sent[person.id].append(int(queue.pending[-1]["update_id"]))
                if rate is not None:
                    await asyncio.sleep(1 / rate)  # replies are watched meanwhile

    sending = asyncio.create_task(send())
    replies: dict[int, float] = {}
    changes = emulator.world.changes
    while True:
        version = changes.version
        for person in people:
            while seen[person.id] < len(person.bot_messages):
                replies[sent[person.id][seen[person.id] - first[person.id]]] = time.monotonic()
                seen[person.id] += 1
        if len(replies) >= len(people) * per_user:
            break
        await changes.wait_for(lambda v=version: changes.version != v, within=300)
    await sending
    return replies, time.perf_counter() - started


def run(arguments: argparse.Namespace) -> None:
    """One fresh database and one fleet per receiver count; a line of figures for each."""
    server = postgres_server_url()
    if arguments.backend == "postgresql" and server is None:
        raise SystemExit("--backend postgresql needs MESOBOT_TEST_POSTGRES_URL")
    for receivers in arguments.receivers:
        databases = PostgresDatabases(server) if server is not None else None
        if arguments.backend == "postgresql" and databases is not None:
            url, name = databases.url_of(databases.create()), "PostgreSQL"
        else:
            url, name = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", "SQLite"
        try:
            upgrade_to_head(url)
            line = asyncio.run(
                _measure(
                    url,
                    receivers,
                    arguments.users,
                    arguments.per_user,
                    min(arguments.paced, arguments.users),
                    arguments.rate,
                )
            )
            print(f"{name}, {line}", flush=True)
        finally:
            if databases is not None:
                databases.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--receivers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--per-user", type=int, default=20)
    parser.add_argument("--paced", type=int, default=100, help="updates sent at --rate")
    parser.add_argument("--rate", type=float, default=10.0, help="paced updates a second")
    arguments = parse_arguments(parser, receivers=[1], users=10, per_user=3, paced=10)
    if arguments.backend == "sqlite":
        arguments.receivers = [1]  # the inbox's turns are per process on SQLite
    run(arguments)


if __name__ == "__main__":
    main()
