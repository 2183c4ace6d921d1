"""The measured processes: the real bot.py (optionally under cProfile) and the bare echo bot.

Both poll the Bot API emulator as subprocesses. Their CPU time is utime + stime from
/proc/<pid>/stat, so the emulator and the emulated people, who run in the benchmark's own
process, never count.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pstats
import signal
import sys
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from botapi_emulator.server import BotApiEmulator

ROOT = Path(__file__).resolve().parents[2]
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
T = TypeVar("T")


class BotCrashed(Exception):
    """A measured process ended, or failed to stop cleanly, on its own."""


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, in seconds."""
    # Fields after the parenthesised name, which may itself hold spaces: utime is the 14th
    # field of the line and stime the 15th.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


@dataclass
class Measured:
    """A running process, its name in the report and the file its output goes to."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path

    def cpu_seconds(self) -> float:
        """Its CPU time so far."""
        return cpu_seconds(self.process.pid)

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def errors_logged(self) -> list[str]:
        """Lines of its log that report an error."""
        return [line for line in self.log_lines() if " ERROR " in line or "Traceback" in line]

    def crashed(self, what: str) -> BotCrashed:
        tail = "\n".join(self.log_lines()[-30:])
        return BotCrashed(f"{self.name} {what}; the end of its log:\n{tail}")


def bot_command(profile: Path | None) -> list[str]:
    """`python bot.py`, or under cProfile writing to `profile` when it stops."""
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    return [sys.executable, *profiler, "bot.py"]


def echo_command() -> list[str]:
    return [sys.executable, "-m", "bench.taps.echo_bot"]


def telegram_environment(emulator: BotApiEmulator) -> dict[str, str]:
    """This process's environment, with the emulator's token and addresses."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "TELEGRAM_API_BASE_FILE_URL": emulator.base_file_url,
    }


def bot_environment(emulator: BotApiEmulator, database_url: str, staff_id: int) -> dict[str, str]:
    """What bot.py needs to talk to the emulator, with its database and one staff member."""
    return {
        **telegram_environment(emulator),
        "DATABASE_URL": database_url,
        "MESOBOT_STAFF_IDS": str(staff_id),
    }


async def launch(
    name: str, command: list[str], environment: dict[str, str], log: Path
) -> Measured:
    """Start `command` in the repository's root, its output going to `log`."""
    with _new_log(log) as output:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, env=environment, stdout=output, stderr=output
        )
    return Measured(name, process, log)


def _new_log(path: Path) -> BinaryIO:
    return path.open("wb")


def _last_call_at(emulator: BotApiEmulator) -> float:
    """When the emulator accepted the latest call other than a long poll (0 for none)."""
    return next((c.accepted_at for c in reversed(emulator.calls) if c.method != "getUpdates"), 0.0)


async def wait_until_quiet(
    emulator: BotApiEmulator, measured: Measured, quiet: float = 1.0, within: float = 60.0
) -> None:
    """Wait until `measured` has made no call but getUpdates for `quiet` seconds."""
    deadline = time.perf_counter() + within
    while time.perf_counter() - _last_call_at(emulator) < quiet:
        if not measured.running:
            raise measured.crashed("ended")
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{measured.name} kept calling the Bot API for {within:g} s")
        await asyncio.sleep(0.1)


async def wait_until_serving(
    emulator: BotApiEmulator, measured: Measured, within: float = 120.0
) -> None:
    """Wait until it polls for updates and its start-up calls are done."""
    await emulator.wait_for(lambda: emulator.world.updates.polling or not measured.running, within)
    await wait_until_quiet(emulator, measured)


async def while_running(measured: Measured, work: Awaitable[T]) -> T:
    """Await `work`, unless the process ends first: then BotCrashed."""
    task = asyncio.ensure_future(work)
    exited = asyncio.ensure_future(measured.process.wait())
    await asyncio.wait({task, exited}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        exited.cancel()
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise measured.crashed("ended during the load")


async def stop(measured: Measured, within: float = 60.0) -> None:
    """SIGTERM, as a service manager stops it; BotCrashed unless it then exits with 0."""
    if not measured.running:
        raise measured.crashed(f"had already ended with {measured.process.returncode}")
    measured.process.send_signal(signal.SIGTERM)
    try:
        returncode = await asyncio.wait_for(measured.process.wait(), within)
    except TimeoutError:
        measured.process.kill()
        await measured.process.wait()
        raise measured.crashed(f"did not stop within {within:g} s of SIGTERM") from None
    if returncode != 0:
        raise measured.crashed(f"exited with {returncode} after SIGTERM")


def print_profile(path: Path, top: int = 30) -> None:
    """The profile's `top` functions by cumulative time, then by their own time.

    cProfile counts each resumption of a coroutine as a call: ncalls of async functions is
    far above the number of updates.
    """
    for order, meaning in (("cumulative", "cumulative time"), ("tottime", "own time")):
        print(f"\n--- profile {path.name}: top {top} functions by {meaning} ({order})")
        pstats.Stats(str(path), stream=sys.stdout).sort_stats(order).print_stats(top)
