"""Measure the real bot with a million pending outbox messages, on SQLite and PostgreSQL.

For each backend: a fresh database is migrated and filled with bulk INSERTs (a recursive CTE
on SQLite, generate_series on PostgreSQL) with `--messages` rows due evenly over the next
`--days` days, to `--users` started users of the Bot API emulator. Then `bot.py` starts as
deployed (dispatcher included) against the emulator, with a /start already waiting, and runs
for `--minutes`. Printed per backend:

- start: from launching the process to the reply to that /start (target under 3 s);
- resident memory of the bot process, at its peak (target under 200 MB);
- lateness of the messages that fell due during the run (after the first update was handled),
  from due time to the emulator accepting them (target: p99 within 1 s). Those due earlier
  (while filling and starting) are counted apart: they are the start-up backlog.

The issue's acceptance run is 10 minutes per backend (the default).
"""

import argparse
import asyncio
import contextlib
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from botapi_emulator.server import BotApiEmulator
from mesobot.db import Database
from mesobot.migrate import upgrade_to_head
from tests.databases import PostgresDatabases

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"

_SQLITE_FILL = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
INSERT INTO outbox_message (recipient, kind, payload, due_at, next_attempt_at, state,
                            attempts, idempotency_key, created_at)
SELECT :first_user + i % :users, 'text',
       json_object('text', 'due ' || (:base + i * :span / :count)),
       strftime('%Y-%m-%d %H:%M:%S', :base + i * :span / :count, 'unixepoch') || '.000000',
       strftime('%Y-%m-%d %H:%M:%S', :base + i * :span / :count, 'unixepoch') || '.000000',
       'due', 0, 'bench:' || i,
       strftime('%Y-%m-%d %H:%M:%S', :base, 'unixepoch') || '.000000'
FROM n
"""

_POSTGRES_FILL = """
INSERT INTO outbox_message (recipient, kind, payload, due_at, next_attempt_at, state,
                            attempts, idempotency_key, created_at)
SELECT :first_user + i % :users, 'text',
       json_build_object('text', 'due ' || (:base + i * :span / :count)),
       to_timestamp(:base + i * :span / :count),
       to_timestamp(:base + i * :span / :count),
       'due', 0, 'bench:' || i, to_timestamp(:base)
FROM generate_series(0::bigint, :count - 1) AS i
"""


@dataclass
class Figures:
    backend: str
    fill_seconds: float = 0.0
    start_seconds: float = math.nan
    peak_rss_mb: float = 0.0
    final_rss_mb: float = 0.0
    backlog: int = 0
    lateness: list[float] = field(default_factory=list)
    due_during_run: int = 0
    minutes: float = 0.0


async def fill(database_url: str, *, count: int, days: int, users: list[int]) -> float:
    """Insert `count` due rows spread over `days` days from now; returns the start epoch."""
    assert users == list(range(users[0], users[0] + len(users))), "emulator ids not contiguous"
    base = int(time.time())
    database = Database(database_url)
    statement = _SQLITE_FILL if database_url.startswith("sqlite") else _POSTGRES_FILL
    parameters = {
        "count": count,
        "users": len(users),
        "first_user": users[0],
        "base": base,
        "span": days * 86400,
    }
    try:
        async with database.write() as session:
            await session.exec(text(statement), params=parameters)  # type: ignore[call-overload]
    finally:
        await database.dispose()
    return base


def _rss_mb(process: psutil.Process) -> float:
    return float(process.memory_info().rss) / 2**20


async def run_bot(emulator: BotApiEmulator, database_url: str, figures: Figures) -> None:
    """Start bot.py, time its first reply, sample its memory, and collect send times."""
    arrivals: list[tuple[float, int, str]] = []
    perform = emulator._perform

    async def timed(method: str, params: dict[str, Any]) -> Any:
        result = await perform(method, params)
        if method == "sendMessage":
            arrivals.append((time.time(), int(params["chat_id"]), str(params.get("text", ""))))
        return result

    emulator._perform = timed  # type: ignore[method-assign]
    visitor = emulator.create_user("Visitor")
    visitor.send_command("start")
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "TELEGRAM_API_BASE_FILE_URL": emulator.base_file_url,
        "DATABASE_URL": database_url,
        "MESOBOT_STAFF_IDS": "",
    }
    log = open(f"/tmp/outbox_pending_{figures.backend}.log", "w")  # noqa: SIM115, ASYNC230
    launched = time.time()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "bot.py", cwd=ROOT, env=environment, stdout=log, stderr=log
    )
    watched = psutil.Process(process.pid)
    try:
        await emulator.wait_for(lambda: visitor.bot_messages, within=60)
        first_reply = next(at for at, chat, _ in arrivals if chat == visitor.id)
        figures.start_seconds = first_reply - launched
        ready = first_reply
        ends = launched + figures.minutes * 60
        while time.time() < ends and process.returncode is None:
            figures.peak_rss_mb = max(figures.peak_rss_mb, _rss_mb(watched))
            await asyncio.sleep(1)
        figures.final_rss_mb = _rss_mb(watched)
        figures.peak_rss_mb = max(figures.peak_rss_mb, figures.final_rss_mb)
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 20)
        if process.returncode is None:
            process.kill()
        await process.wait()
        log.close()
    ended = launched + figures.minutes * 60
    for at, _chat, body in arrivals:
        if not body.startswith("due "):
            continue
        due = float(body.removeprefix("due "))
        if due < ready:
            figures.backlog += 1  # fell due before the bot had started
        else:
            figures.lateness.append(at - due)
    figures.due_during_run = sum(1 for due in _due_times(figures) if ready <= due < ended)


_SCHEDULE: dict[str, tuple[int, int, int]] = {}


def _due_times(figures: Figures) -> list[int]:
    """Every due time of the filled rows near the run (row i is due at base + i*span/count)."""
    base, span, count = _SCHEDULE[figures.backend]
    last = min(count, math.ceil((time.time() + 60 - base) * count / span))
    return [base + i * span // count for i in range(last)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def report(figures: Figures, arguments: argparse.Namespace) -> None:
    late = figures.lateness
    print(f"--- {figures.backend}: {arguments.messages:,} pending over {arguments.days} days")
    print(f"fill: {figures.fill_seconds:.1f} s")
    print(f"start to first update handled: {figures.start_seconds:.2f} s (target < 3 s)")
    print(
        f"resident memory: peak {figures.peak_rss_mb:.1f} MB, at the end "
        f"{figures.final_rss_mb:.1f} MB (target < 200 MB)"
    )
    print(
        f"run: {figures.minutes:g} min; due during it: {figures.due_during_run}, sent: "
        f"{len(late)}; due before the first update was handled (while filling and starting; "
        f"sent at start, not counted): {figures.backlog}"
    )
    if late:
        print(
            f"lateness: p50 {percentile(late, 0.5):.3f} s, p99 {percentile(late, 0.99):.3f} s, "
            f"max {max(late):.3f} s (target p99 within 1 s)"
        )


async def bench(backend: str, database_url: str, arguments: argparse.Namespace) -> Figures:
    figures = Figures(backend=backend, minutes=arguments.minutes)
    async with BotApiEmulator() as emulator:
        users = [emulator.create_user(f"P{n}") for n in range(arguments.users)]
        for user in users:
            assert user.chat.user is not None
            user.chat.user.started_bot = True
        started = time.perf_counter()
        ids = [user.id for user in users]
        base = await fill(database_url, count=arguments.messages, days=arguments.days, users=ids)
        figures.fill_seconds = time.perf_counter() - started
        _SCHEDULE[backend] = (base, arguments.days * 86400, arguments.messages)
        await run_bot(emulator, database_url, figures)
    return figures


def measure(backend: str, database_url: str, arguments: argparse.Namespace) -> None:
    # Alembic's env runs its own event loop: migrate before starting ours.
    upgrade_to_head(database_url)
    report(asyncio.run(bench(backend, database_url, arguments)), arguments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MESOBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a database on the PostgreSQL server; the benchmark creates and drops its own",
    )
    arguments = parse_arguments(parser, messages=40_000, days=1, users=10, minutes=0.1)
    backends = ["sqlite", "postgresql"] if arguments.backend == "both" else [arguments.backend]
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                measure(backend, f"sqlite:///{folder}/pending.sqlite3", arguments)
        else:
            databases = PostgresDatabases(arguments.postgres_url)
            try:
                measure(backend, databases.url_of(databases.create()), arguments)
            finally:
                databases.drop_all()


if __name__ == "__main__":
    main()
