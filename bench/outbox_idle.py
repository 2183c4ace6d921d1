"""Measure what the real bot costs while nothing happens, on SQLite and PostgreSQL.

For each backend, `bot.py` starts as deployed against the Bot API emulator, answers one
/start, and is then left alone for `--seconds`. Printed per backend, per minute of that idle
window: the write and read transactions the bot opened (`Database.write()` / `read()`, counted
inside the bot process), the CPU-seconds of the bot process, and the lines it logged.

The bot runs in a child process of this script (`--child`) that counts the transactions and
then calls `bot.main()`, so everything else is exactly as deployed.
"""

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from botapi_emulator.server import BotApiEmulator
from mesobot.migrate import upgrade_to_head
from tests.databases import PostgresDatabases

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
_COUNTS_VARIABLE = "MESOBOT_BENCH_COUNTS_FILE"


def run_child() -> None:
    """In the bot's process: count transactions, append them to a file on SIGUSR1, run bot.py."""
    from mesobot.db import Database

    counts = {"write": 0, "read": 0}
    for name in counts:
        original = getattr(Database, name)

        def counted(self: Database, _original: Any = original, _name: str = name) -> Any:
            counts[_name] += 1
            return _original(self)

        setattr(Database, name, counted)
    path = Path(os.environ[_COUNTS_VARIABLE])

    def dump(_signal: int, _frame: object) -> None:
        with path.open("a") as file:
            file.write(f"{counts['write']} {counts['read']}\n")

    signal.signal(signal.SIGUSR1, dump)
    sys.argv = ["bot.py"]
    import bot

    sys.exit(bot.main())


@dataclass
class Figures:
    backend: str
    seconds: float
    writes: int
    reads: int
    cpu_seconds: float
    log_lines: list[str]

    def per_minute(self, value: float) -> float:
        return value * 60 / self.seconds


def _dumps(counts: Path) -> list[str]:
    return counts.read_text().splitlines() if counts.exists() else []


@dataclass
class Snapshot:
    writes: int
    reads: int
    cpu_seconds: float
    log_size: int


async def _snapshot(process: psutil.Process, counts: Path, log: Path) -> Snapshot:
    """The child's transactions so far, its CPU-seconds, and the size of its log."""
    before = len(_dumps(counts))
    process.send_signal(signal.SIGUSR1)
    for _ in range(100):  # the handler runs when the child's main thread next runs Python
        await asyncio.sleep(0.05)
        if len(_dumps(counts)) > before:
            break
    writes, reads = _dumps(counts)[-1].split()
    cpu = process.cpu_times()
    return Snapshot(int(writes), int(reads), cpu.user + cpu.system, log.stat().st_size)  # noqa: ASYNC240


async def run_bot(backend: str, database_url: str, arguments: argparse.Namespace) -> Figures:
    """Start the bot, wait for its reply to /start and `--settle` s, then watch it idle."""
    with tempfile.TemporaryDirectory(prefix="outbox_idle_") as folder:
        return await _watch_idle(backend, database_url, arguments, Path(folder))


async def _watch_idle(
    backend: str, database_url: str, arguments: argparse.Namespace, folder: Path
) -> Figures:
    counts, log_path = folder / "counts", folder / "bot.log"
    async with BotApiEmulator() as emulator:
        visitor = emulator.create_user("Visitor")
        visitor.send_command("start")
        environment = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "TELEGRAM_API_BASE_FILE_URL": emulator.base_file_url,
            "DATABASE_URL": database_url,
            "MESOBOT_STAFF_IDS": "",
            _COUNTS_VARIABLE: str(counts),
        }
        with log_path.open("w") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.outbox_idle",
                "--child",
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=log,
            )
        watched = psutil.Process(process.pid)
        try:
            await emulator.wait_for(lambda: visitor.bot_messages, within=60)
            await asyncio.sleep(arguments.settle)
            first = await _snapshot(watched, counts, log_path)
            started = time.monotonic()
            await asyncio.sleep(arguments.seconds)
            last = await _snapshot(watched, counts, log_path)
            seconds = time.monotonic() - started
        finally:
            if process.returncode is None:
                process.terminate()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 20)
            if process.returncode is None:
                process.kill()
            await process.wait()
    # The idle window's lines only: neither the start's nor the shutdown's.
    with log_path.open("rb") as log:
        log.seek(first.log_size)
        idle_lines = log.read(last.log_size - first.log_size).decode().splitlines()
    return Figures(
        backend=backend,
        seconds=seconds,
        writes=last.writes - first.writes,
        reads=last.reads - first.reads,
        cpu_seconds=last.cpu_seconds - first.cpu_seconds,
        log_lines=idle_lines,
    )


def report(figures: Figures) -> None:
    logged = [line for line in figures.log_lines if " INFO " in line or " WARNING " in line]
    by_logger = Counter(line.split(" ")[3].rstrip(":") for line in logged)
    print(f"--- {figures.backend}: idle for {figures.seconds:.0f} s")
    print(
        f"idle per minute: {figures.per_minute(figures.writes):.1f} write transactions, "
        f"{figures.per_minute(figures.reads):.1f} read transactions, "
        f"{figures.per_minute(figures.cpu_seconds):.3f} CPU-s, "
        f"{figures.per_minute(len(logged)):.1f} log lines"
    )
    for name, count in by_logger.most_common():
        print(f"  {figures.per_minute(count):.1f} lines/min from {name}")


def measure(backend: str, database_url: str, arguments: argparse.Namespace) -> None:
    upgrade_to_head(database_url)
    report(asyncio.run(run_bot(backend, database_url, arguments)))


def main() -> None:
    if "--child" in sys.argv:
        run_child()
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the idle window")
    parser.add_argument("--settle", type=float, default=5.0, help="wait after the first reply")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MESOBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a database on the PostgreSQL server; the benchmark creates and drops its own",
    )
    arguments = parse_arguments(parser, seconds=3.0, settle=1.0, backend="sqlite")
    backends = ["sqlite", "postgresql"] if arguments.backend == "both" else [arguments.backend]
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                measure(backend, f"sqlite:///{folder}/idle.sqlite3", arguments)
        else:
            databases = PostgresDatabases(arguments.postgres_url)
            try:
                measure(backend, databases.url_of(databases.create()), arguments)
            finally:
                databases.drop_all()


if __name__ == "__main__":
    main()
