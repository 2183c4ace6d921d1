"""The demo as `make demo` starts it: its own process, on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mesobot.config import PROJECT_ROOT

# A Monday, a week before the session the test books (the calendar offers Mon 7 Dec).
DEMO_START = "2026-11-30T08:00:00+00:00"


@dataclass
class RunningDemo:
    """The demo process, its page's URL and its log (stdout and stderr)."""

    url: str
    log: Path


@pytest.fixture
def running_demo(tmp_path: Path) -> Iterator[RunningDemo]:
    """`python -m mesobot_demo` on a free port with a fresh data folder; stopped afterwards."""
    log = tmp_path / "demo.log"
    command = [
        sys.executable,
        "-m",
        "mesobot_demo",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path / "data"),
        "--start",
        DEMO_START,
    ]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url, copier = _announced_url(process, log)
    try:
        yield RunningDemo(url, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        copier.join(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def _announced_url(process: subprocess.Popen[str], log: Path) -> tuple[str, threading.Thread]:
    """Copy the demo's output to log; return the URL it announces (within a minute)."""
    found: list[str] = []
    ready = threading.Event()

    def copy() -> None:
        assert process.stdout is not None
        with log.open("w", encoding="utf-8") as out:
            for line in process.stdout:
                out.write(line)
                out.flush()
                if "open http://" in line and not found:
                    found.append(line.split("open ", 1)[1].split()[0])
                    ready.set()
        ready.set()

    copier = threading.Thread(target=copy, daemon=True)
    copier.start()
    deadline = time.monotonic() + 60
    while not ready.wait(0.2):
        if time.monotonic() > deadline:
            break
    if not found:
        process.kill()
        process.wait()
        copier.join(timeout=10)
        raise AssertionError(f"the demo did not start; its log: {log}\n{log.read_text()}")
    return found[0], copier
