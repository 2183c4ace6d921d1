"""What one run on one database measured, and its report next to the issue's targets."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from bench.taps.patients import Booking

# Issue 13's acceptance.
MAX_CPU_PER_THOUSAND = 10.0  # CPU-seconds per 1,000 updates
MAX_ECHO_RATIO = 5.0
MAX_P95_MS, MAX_P99_MS = 150.0, 300.0
MAX_IDLE_PER_MINUTE = 0.1  # CPU-seconds


@dataclass
class Load:
    """A process's share of a load: updates handled, CPU spent, step latencies."""

    updates: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def cpu_per_thousand(self) -> float:
        return self.cpu_seconds / self.updates * 1000 if self.updates else math.nan


@dataclass
class Run:
    """One database's figures."""

    database: str
    bot: Load = field(default_factory=Load)
    echo: Load = field(default_factory=Load)
    bookings: list[Booking] = field(default_factory=list)
    idle_cpu_seconds: float = 0.0
    idle_seconds: float = 0.0
    profiled: bool = False
    notes: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # Bot API violations, unanswered taps
    harness_cpu_seconds: float = 0.0  # the emulator's and the patients' during the load
    load_average: float = 0.0  # the machine's, as the load began: others' work adds noise

    @property
    def idle_per_minute(self) -> float:
        return self.idle_cpu_seconds / self.idle_seconds * 60 if self.idle_seconds else math.nan


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def print_run(run: Run) -> None:
    """The figures of one database, each next to its target."""
    bot, echo = run.bot, run.echo
    profiled = " (under cProfile: CPU and latency inflated)" if run.profiled else ""
    print(
        f"\n=== {run.database}: bot.py, {len(run.bookings)} patients booking at once, "
        f"{bot.updates} updates in {bot.wall_seconds:.1f} s{profiled}"
    )
    print(
        f"  (emulator and patients: {run.harness_cpu_seconds:.2f} CPU-s in the load; "
        f"machine load average {run.load_average:.2f} as it began)"
    )
    per_thousand = bot.cpu_per_thousand
    print(
        f"CPU per 1,000 updates: {per_thousand:.2f} CPU-s ({bot.cpu_seconds:.2f} CPU-s in all; "
        f"target <= {MAX_CPU_PER_THOUSAND:g}): {verdict(per_thousand <= MAX_CPU_PER_THOUSAND)}"
    )
    ratio = per_thousand / echo.cpu_per_thousand
    print(
        f"  echo bot, {echo.updates} updates: {echo.cpu_per_thousand:.2f} CPU-s per 1,000 "
        f"updates (p95 {percentile(echo.latencies_ms, 0.95):.0f} ms); bot/echo {ratio:.1f}x "
        f"(target <= {MAX_ECHO_RATIO:g}x): {verdict(ratio <= MAX_ECHO_RATIO)}"
    )
    print_latency(bot.latencies_ms)
    print_bookings(run.bookings)
    idle = run.idle_per_minute
    print(
        f"idle CPU: {idle:.3f} CPU-s per minute over {run.idle_seconds:g} s "
        f"(target < {MAX_IDLE_PER_MINUTE:g}): {verdict(idle < MAX_IDLE_PER_MINUTE)}"
    )
    for note in run.notes:
        print(f"note: {note}")
    print(f"Bot API violations: {len(run.violations)}")
    for violation in run.violations[:10]:
        print(f"  {violation}")


def print_latency(latencies_ms: list[float]) -> None:
    p50, p95, p99 = (percentile(latencies_ms, f) for f in (0.5, 0.95, 0.99))
    worst = max(latencies_ms, default=math.nan)
    print(
        f"step latency, update queued to the bot's last API call ({len(latencies_ms)} steps): "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms"
    )
    print(
        f"  p95 < {MAX_P95_MS:g} ms: {verdict(p95 < MAX_P95_MS)}; "
        f"p99 < {MAX_P99_MS:g} ms: {verdict(p99 < MAX_P99_MS)}"
    )


def print_bookings(bookings: list[Booking]) -> None:
    failed = [booking for booking in bookings if not booking.booked]
    lost = sum(booking.slots_lost for booking in bookings)
    choosing_again = sum(1 for booking in bookings if booking.slots_lost)
    print(
        f"failed bookings: {len(failed)} of {len(bookings)} ({lost} taps found their slot "
        f"taken, by {choosing_again} patients who then chose another)"
    )
    for reason, count in Counter(booking.failure for booking in failed).most_common(5):
        print(f"  {count} x {reason}")
