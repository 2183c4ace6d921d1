"""Measure the real bot per tap: CPU per update, step latency and idle CPU (issue 13).

For each database (SQLite in a temporary file; PostgreSQL in a database of its own, created
and dropped, on the server named by MESOBOT_BENCH_POSTGRES_URL or MESOBOT_TEST_POSTGRES_URL),
`bot.py` runs as a subprocess against the Bot API emulator, with one staff member who has
started the bot. Then `--patients` emulated patients book a course at the same time through
the chat, like people: /start, consent, age, a look at another treatment, their treatment
(area and count where asked), the questionnaire, a note, name, phone, a glance at next month,
a date, a time, Confirm. A few dates and times are popular, so some patients lose their slot
and choose another. Each patient waits for the bot's whole reply to a step, then reads it for
`--think` seconds on average (0.5 to 1.5 times that), as people do, before the next.

Printed per database, next to the issue's targets (PASS/FAIL):
- CPU-seconds per 1,000 updates of the bot process (utime + stime from /proc, start-up
  excluded, up to the staff's new-request notices delivered), and its ratio to a bare PTB echo
  bot (bench/taps/echo_bot.py) polling the same emulator for as many texts;
- step latency, from the emulator queueing an update to the bot's last API call for it
  (for a tap, its answerCallbackQuery): p50, p95, p99, max;
- failed bookings;
- idle CPU: CPU-seconds per minute of the bot with nothing to do, after the load.

The exit code is 0 whatever the figures (this is a measurement); 1 when the emulator
recorded a Bot API violation (an unanswered tap included) or a bot process crashed.

    .venv/bin/python -m bench.tap_latency                   # the issue's run: 20 patients
    .venv/bin/python -m bench.tap_latency --profile /tmp/p  # bot.py under cProfile, top 30
    .venv/bin/python -m bench.tap_latency --quick           # 3 patients, a few seconds idle
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from bench.taps.figures import Load, Run, print_run
from bench.taps.patients import Patient, Person, Plan, book_a_course, chat_with_echo
from bench.taps.processes import (
    BotCrashed,
    Measured,
    bot_command,
    bot_environment,
    echo_command,
    launch,
    print_profile,
    stop,
    telegram_environment,
    wait_until_quiet,
    wait_until_serving,
    while_running,
)
from bench.taps.stopwatch import Stopwatch
from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from tests.databases import PostgresDatabases

DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
POSTGRES_VARIABLES = ("MESOBOT_BENCH_POSTGRES_URL", "MESOBOT_TEST_POSTGRES_URL")
NOTICE_WAIT = 90.0  # seconds for the staff's notices, sent at most one a second per chat


async def book_at_once(
    emulator: BotApiEmulator, bot: Measured, staff: TelegramUser, run: Run, options: Options
) -> None:
    """The patients book together; the load ends when staff have heard of every request."""
    stopwatch = Stopwatch(emulator)
    patients = [
        Patient(
            emulator,
            emulator.create_user(f"Patient {n}"),
            stopwatch,
            options.step_timeout,
            think=options.think,
        )
        for n in range(options.patients)
    ]
    notices = len(staff.bot_messages)
    run.load_average = os.getloadavg()[0]
    cpu_before, harness_before = bot.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    bookings = [book_a_course(patient, Plan(n)) for n, patient in enumerate(patients)]
    run.bookings = list(await asyncio.gather(*bookings))
    run.bot.wall_seconds = time.perf_counter() - started
    expected = notices + sum(booking.booked for booking in run.bookings)
    try:
        await emulator.wait_for(lambda: len(staff.bot_messages) >= expected, NOTICE_WAIT)
    except TimeoutError:
        told = len(staff.bot_messages) - notices
        run.notes.append(f"staff got {told} messages for {expected - notices} requests")
    await wait_until_quiet(emulator, bot)
    run.bot.cpu_seconds = bot.cpu_seconds() - cpu_before
    run.harness_cpu_seconds = time.process_time() - harness_before
    run.bot.updates, run.bot.latencies_ms = stopwatch.updates, stopwatch.latencies_ms


async def measure_idle(bot: Measured, run: Run, seconds: float) -> None:
    """The bot's CPU over `seconds` with nothing to do."""
    cpu_before = bot.cpu_seconds()
    await asyncio.sleep(seconds)
    run.idle_cpu_seconds, run.idle_seconds = bot.cpu_seconds() - cpu_before, seconds


async def measure_echo(emulator: BotApiEmulator, run: Run, options: Options, folder: Path) -> None:
    """The echo bot, sent as many texts as the bot had updates, by as many people."""
    environment = telegram_environment(emulator)
    echo = await launch("echo bot", echo_command(), environment, folder / "echo.log")
    try:
        await wait_until_serving(emulator, echo)
        stopwatch = Stopwatch(emulator)
        people = [
            Person(emulator, emulator.create_user(f"Echo {n}"), stopwatch, options.step_timeout)
            for n in range(options.patients)
        ]
        shares = [len(range(n, run.bot.updates, len(people))) for n in range(len(people))]
        cpu_before, started = echo.cpu_seconds(), time.perf_counter()
        chats = (chat_with_echo(p, share) for p, share in zip(people, shares, strict=True))
        await while_running(echo, asyncio.gather(*chats))
        run.echo = Load(
            updates=stopwatch.updates,
            cpu_seconds=echo.cpu_seconds() - cpu_before,
            wall_seconds=time.perf_counter() - started,
            latencies_ms=stopwatch.latencies_ms,
        )
    finally:
        if echo.running:
            await stop(echo)


async def measure(database: str, database_url: str, options: Options, folder: Path) -> Run:
    """One database: the bot under load, then idle, then the echo bot for comparison."""
    run = Run(DATABASES[database], profiled=options.profile is not None)
    async with BotApiEmulator() as emulator:
        staff = emulator.create_user("Rita")
        staff.user.started_bot = True  # staff have opened the bot before
        profile = options.profile / f"{database}.prof" if options.profile else None
        environment = bot_environment(emulator, database_url, staff.id)
        bot = await launch("bot.py", bot_command(profile), environment, folder / "bot.log")
        try:
            await wait_until_serving(emulator, bot)
            await while_running(bot, book_at_once(emulator, bot, staff, run, options))
            await while_running(bot, measure_idle(bot, run, options.idle_seconds))
        finally:
            if bot.running:
                await stop(bot)
        run.notes += [f"bot.py logged: {line}" for line in bot.errors_logged()[:5]]
        await measure_echo(emulator, run, options, folder)
        run.violations = violations(emulator)
    return run


def violations(emulator: BotApiEmulator) -> list[str]:
    """Calls the emulator refused, and taps the bot never answered."""
    refused = [f"{v.method}: {v.status} {v.description}" for v in emulator.violations]
    unanswered = emulator.unanswered_callback_queries()
    return refused + [f"tap {query.data!r} never answered" for query in unanswered]


def measure_on(database: str, options: Options) -> Run:
    """Measure on a fresh database of that kind (a PostgreSQL one is dropped afterwards)."""
    with tempfile.TemporaryDirectory(prefix="tap_latency_") as name:
        folder = Path(name)
        if database == "sqlite":
            url = f"sqlite:///{folder / 'taps.sqlite3'}"
            return asyncio.run(measure(database, url, options, folder))
        assert options.postgres_url is not None
        databases = PostgresDatabases(options.postgres_url)
        try:
            url = databases.url_of(databases.create())
            return asyncio.run(measure(database, url, options, folder))
        finally:
            databases.drop_all()


class Options(argparse.Namespace):
    patients: int
    database: str
    idle_seconds: float
    step_timeout: float
    think: float
    profile: Path | None
    postgres_url: str | None


def parse_options() -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=20, help="booking at the same time")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="the idle window")
    parser.add_argument("--step-timeout", type=float, default=60.0, help="a patient gives up")
    parser.add_argument(
        "--think", type=float, default=1.0, help="a patient's mean pause before each step (s)"
    )
    parser.add_argument("--profile", type=Path, help="run bot.py under cProfile, into DIR")
    parsed = parse_arguments(parser, patients=3, idle_seconds=3.0, step_timeout=30.0, think=0.1)
    urls = (os.environ.get(variable) for variable in POSTGRES_VARIABLES)
    return Options(**vars(parsed), postgres_url=next((url for url in urls if url), None))


def main() -> None:
    """Measure on each database asked for; exit 1 on a violation or a crash."""
    options = parse_options()
    if options.profile:
        options.profile.mkdir(parents=True, exist_ok=True)
    chosen = list(DATABASES) if options.database == "both" else [options.database]
    print(f"{options.patients} patients, each pausing {options.think:g} s on average per step")
    failed = False
    for database in chosen:
        if database == "postgres" and options.postgres_url is None:
            print(f"\n=== PostgreSQL: skipped ({' or '.join(POSTGRES_VARIABLES)} is not set)")
            continue
        try:
            run = measure_on(database, options)
        except BotCrashed as crash:
            print(f"\n=== {DATABASES[database]}: {crash}")
            failed = True
            continue
        print_run(run)
        failed = failed or bool(run.violations)
        if options.profile:
            print_profile(options.profile / f"{database}.prof")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
