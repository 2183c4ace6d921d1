"""Benchmark: plan a 4-session series and a month of free dates from the database.

100,000 sessions are stored (10 practitioners, six years, about 75% full), then each call loads
its snapshot with one query and plans. It prints median and p95 latency and the SQL statements
per call, on SQLite and, when MESOBOT_BENCH_POSTGRES_URL (or MESOBOT_TEST_POSTGRES_URL) names a
server, on PostgreSQL in a database of its own that is dropped afterwards.

The screens are cached (mesobot.scheduling.cache): the plain figures empty the cache before each
call; "cache warm" asks a month already asked about (the query still runs, the planning not).
Last, the memory an entry of the cache keeps alive, measured with tracemalloc.

Run from the repository root: `.venv/bin/python -m bench.booking_database` (`--quick`: 1,000
sessions over two months and 10 calls each).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time as stopwatch
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import time, timedelta
from typing import Any

from sqlalchemy import event, insert

from bench.databases import on_each_database
from bench.options import parse_arguments
from bench.planner import APPOINTMENTS, NOW, RESOURCES, SPAN_DAYS, _bookings, _calendar
from mesobot.booking import month_free_dates, plan_from_database
from mesobot.db import Database
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.scheduling.cache import SCREENS
from mesobot.scheduling.calendar import Calendar

CALLS = 200
SESSIONS_PER_COURSE = 4


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _fill(database: Database, calendar: Calendar, arguments: argparse.Namespace) -> None:
    bookings = _bookings(
        calendar, random.Random(7), count=arguments.sessions, span_days=arguments.span_days
    )
    courses = len(bookings) // SESSIONS_PER_COURSE + 1
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(Patient.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": 1,
                    "telegram_user_id": 1,
                    "language": "en",
                    "created_at": NOW,
                    "last_seen_at": NOW,
                }
            ],
        )
        await connection.execute(
            insert(Course.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": n + 1,
                    "clinic_id": calendar.clinic_id,
                    "patient_id": 1,
                    "treatment": "facial_rejuvenation",
                    "session_count": SESSIONS_PER_COURSE,
                    "state": CourseState.CONFIRMED,
                    "version": 1,
                    "requested_at": NOW,
                    "answers": {},
                }
                for n in range(courses)
            ],
        )
        rows: list[dict[str, Any]] = []
        for n, booking in enumerate(bookings):
            local = booking.start.astimezone(calendar.zone)
            rows.append(
                {
                    "course_id": n // SESSIONS_PER_COURSE + 1,
                    "number": n % SESSIONS_PER_COURSE + 1,
                    "clinic_id": calendar.clinic_id,
                    "resource_id": booking.resource_id,
                    "local_date": local.date(),
                    "local_time": local.time().replace(tzinfo=None),
                    "zone": calendar.zone_key,
                    "duration_minutes": 30,
                    "start_utc": booking.start,
                    "end_utc": booking.end,
                    "state": SessionState.CONFIRMED,
                    "code": f"C{n:07d}",
                    "calendar_uid": f"{n}@bench",
                    "calendar_sequence": 0,
                }
            )
        for start in range(0, len(rows), 10_000):
            await connection.execute(insert(Appointment.__table__), rows[start : start + 10_000])  # type: ignore[attr-defined]


async def _settle(database: Database) -> None:
    """What autovacuum does for a live database: statistics, and (on PostgreSQL) the visibility
    map that lets the snapshot query read its covering index alone."""
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        is_postgres = connection.dialect.name == "postgresql"
        await autocommit.exec_driver_sql("VACUUM ANALYZE" if is_postgres else "ANALYZE")


async def _measure(
    name: str, database: Database, call: Callable[[int], Awaitable[object]], calls: int
) -> None:
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    latencies: list[float] = []
    per_call: set[int] = set()
    for n in range(calls):
        before = statements
        started = stopwatch.perf_counter()
        await call(n)
        latencies.append((stopwatch.perf_counter() - started) * 1000)
        per_call.add(statements - before)
    event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    print(
        f"  {name:<34} median {statistics.median(latencies):6.2f} ms   "
        f"p95 {_percentile(latencies, 0.95):6.2f} ms   SQL statements per call {sorted(per_call)}"
    )


async def _run(url: str, label: str, arguments: argparse.Namespace) -> None:
    calendar = _calendar()
    database = Database(url)
    try:
        started = stopwatch.perf_counter()
        await _fill(database, calendar, arguments)
        await _settle(database)
        # As the bot does once started (mesobot.app): the set-up's objects out of the GC's way.
        gc.collect()
        gc.freeze()
        elapsed = stopwatch.perf_counter() - started
        print(f"{label}: {arguments.sessions:,} sessions stored in {elapsed:.1f} s")
        rule = _rule()
        rng = random.Random(11)
        first_days = [
            NOW.date() + timedelta(days=rng.randrange(2, 300)) for _ in range(arguments.calls)
        ]

        async def plan(n: int) -> object:
            SCREENS.answers.clear()
            async with database.read() as session:
                return await plan_from_database(
                    session=session,
                    calendar=calendar,
                    rule=rule,
                    session_count=4,
                    first_date=first_days[n],
                    first_time=time(10),
                    now=NOW,
                )

        async def month(n: int, *, cold: bool = True) -> object:
            if cold:
                SCREENS.answers.clear()
            day = first_days[n]
            async with database.read() as session:
                return await month_free_dates(
                    session=session,
                    calendar=calendar,
                    rule=rule,
                    session_count=4,
                    year=day.year,
                    month=day.month,
                    now=NOW,
                )

        await _measure("plan a 4-session series", database, plan, arguments.calls)
        await _measure("free dates of a month", database, month, arguments.calls)
        for n in range(arguments.calls):  # every month asked once: the cache is warm
            await month(n, cold=False)

        async def warm_month(n: int) -> object:
            return await month(n, cold=False)

        await _measure("free dates of a month, cache warm", database, warm_month, arguments.calls)

        async def new_month(n: int) -> object:  # a month not asked before, each time
            index = NOW.year * 12 + NOW.month - 1 + n
            async with database.read() as session:
                return await month_free_dates(
                    session=session,
                    calendar=calendar,
                    rule=rule,
                    session_count=4,
                    year=index // 12,
                    month=index % 12 + 1,
                    now=NOW,
                )

        async def new_plan(n: int) -> object:
            async with database.read() as session:
                return await plan_from_database(
                    session=session,
                    calendar=calendar,
                    rule=rule,
                    session_count=4,
                    first_date=first_days[n],
                    first_time=time(10),
                    now=NOW,
                )

        await _entry_size("free dates of a month", new_month, arguments.calls)
        await _entry_size("a 4-session plan", new_plan, arguments.calls)
    finally:
        await database.dispose()


async def _entry_size(name: str, ask: Callable[[int], Awaitable[object]], calls: int) -> None:
    """Bytes one cache entry keeps alive (key and answer), from the memory the process still
    holds after asking `calls` new questions (the calendar and rule are shared, not counted)."""
    SCREENS.answers.clear()
    await ask(0)  # first-use allocations (statement cache, interned names) out of the count
    SCREENS.answers.clear()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for n in range(calls):
        await ask(n)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    held = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    entries = len(SCREENS.answers)
    print(f"  cache entry, {name:<24} about {held / max(entries, 1):6,.0f} bytes ({entries} kept)")


def _rule() -> Any:
    from mesobot.clinic import load_clinic
    from mesobot.config import DEFAULT_CLINIC_FILE

    return load_clinic(DEFAULT_CLINIC_FILE).treatments["facial_rejuvenation"].series_rule()


def main() -> None:
    """Run the benchmark on SQLite, then on PostgreSQL when a server is configured."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=APPOINTMENTS)
    parser.add_argument("--span-days", type=int, default=SPAN_DAYS)
    parser.add_argument("--calls", type=int, default=CALLS)
    arguments = parse_arguments(parser, sessions=1000, span_days=60, calls=10)
    print(f"{len(RESOURCES)} practitioners, {arguments.calls} calls each, now = {NOW.isoformat()}")
    on_each_database(lambda url, label: _run(url, label, arguments))


if __name__ == "__main__":
    main()
