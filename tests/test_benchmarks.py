"""Every benchmark still runs: each one once in its `--quick` mode, as a process of its own."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from mesobot.config import PROJECT_ROOT

BENCH = PROJECT_ROOT / "bench"
# What each benchmark prints when it has measured something: one of its figures' lines.
FIGURES = {
    "booking_database": r"SQLite: .*\n  plan a 4-session series +median +[\d.]+ ms",
    "care_alert_latency": (
        r"20 other messages due at once, 1 reports: p50 \d+ ms, p99 \d+ ms.*\n"
        r"while a second patient sends 5 photos to their report, 1 reports: p50 \d+ ms, "
        r"p99 \d+ ms.*\n  5 photos became \d+ staff messages"
    ),
    "emulator_throughput": r"50 updates, 5 users, .*: [\d,]+ updates/s",
    "outbox_idle": r"idle per minute: [\d.]+ write transactions, [\d.]+ read transactions",
    "outbox_pending": r"start to first update handled: [\d.]+ s.*\nresident memory: peak [\d.]+",
    "outbox_rate": r"5 messages to 5 chat\(s\): [\d.]+ s, [\d.]+ msg/s",
    "reply_during_broadcast": (
        r"\d+ replies during a \d+-message wave: p50 \d+ ms, p95 \d+ ms, p99 \d+ ms, max \d+ ms"
        r".*\nlost replies: 0; the wave at [\d.]+ msg/s, with the replies [\d.]+ msg/s"
    ),
    "webhook_throughput": (
        r"(PostgreSQL|SQLite), 1 receiver\(s\): [\d,]+ updates/s, webhook to reply "
        r"p50 \d+ ms, p99 \d+ ms at [\d.]+/s \(\d+ updates from \d+ users at once"
    ),
    "user_fairness": (
        r"B behind A's 100 queued updates in the bot \(fetched\), 1 round\(s\): "
        r"B's reply p50 \d+ ms"
    ),
    "planner": r"plan_series, 4 sessions, 2k bookings +n=20 +median +[\d.]+ ms",
    "waitlist_match": (
        r"SQLite: one freed place, [\d,]+ waitlist entries, the match last: "
        r"median [\d.]+ ms, p95 [\d.]+ ms"
    ),
    "tap_latency": (
        r"CPU per 1,000 updates: [\d.]+ CPU-s.*\n.*bot/echo [\d.]+x(.*\n)+"
        r"step latency.*: p50 \d+ ms, p95 \d+ ms, p99 \d+ ms, max \d+ ms(.*\n)+"
        r"failed bookings: 0 of 3 (.*\n)+idle CPU: [\d.]+ CPU-s per minute"
    ),
}
# The pending-outbox and webhook benchmarks are told which backend to use (PostgreSQL when
# MESOBOT_TEST_POSTGRES_URL names a server); the others use one when it names it.
POSTGRES = os.environ.get("MESOBOT_TEST_POSTGRES_URL")
EXTRA_ARGUMENTS = {
    "outbox_pending": ["--backend", "both" if POSTGRES else "sqlite"],
    "webhook_throughput": ["--backend", "postgresql" if POSTGRES else "sqlite"],
}


def test_every_benchmark_has_its_figures_listed() -> None:
    """A new benchmark cannot go without its smoke run."""
    scripts = {path.stem for path in BENCH.glob("*.py")} - {
        "__init__",
        "options",
        "databases",
    }  # helpers, not benchmarks
    assert scripts == set(FIGURES)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_the_benchmark_runs_quickly_and_prints_its_figures(name: str) -> None:
    """`python -m bench.<name> --quick` exits 0 and prints the figures it exists for."""
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick", *EXTRA_ARGUMENTS.get(name, [])],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=240,  # under pytest-timeout's 300 s, so the output is kept when it hangs
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(FIGURES[name], result.stdout), result.stdout
