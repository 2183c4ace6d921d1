"""Starting receivers and a dispatcher as processes, behind a round-robin proxy."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from botapi_emulator.server import BotApiEmulator
from mesobot.config import PROJECT_ROOT
from tests.webhook.harness import PATH, SECRET, free_port
from tests.webhook.tcp_proxy import TcpProxy


@dataclass
class Fleet:
    """Receivers (each on its port), a dispatcher, and the proxy Telegram posts to."""

    emulator: BotApiEmulator
    database_url: str
    logs: Path
    receivers: int = 3
    dispatcher: bool = True
    ports: list[int] = field(default_factory=list)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    proxy: TcpProxy | None = None

    def _environment(self, port: int, proxy_port: int) -> dict[str, str]:
        clean = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "DATABASE_", "MESOBOT_"))
        }
        return {
            **clean,
            "TELEGRAM_BOT_TOKEN": self.emulator.token,
            "TELEGRAM_API_BASE_URL": self.emulator.base_url,
            "TELEGRAM_API_BASE_FILE_URL": self.emulator.base_file_url,
            "DATABASE_URL": self.database_url,
            "MESOBOT_WEBHOOK_URL": f"http://127.0.0.1:{proxy_port}{PATH}",
            "MESOBOT_WEBHOOK_SECRET": SECRET,
            "MESOBOT_LISTEN": f"127.0.0.1:{port}",
        }

    def _spawn(self, name: str, role: str, port: int, proxy_port: int) -> None:
        with (self.logs / f"{name}.log").open("wb") as log:  # the child keeps its copy
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "tests.webhook.process", role],
                cwd=PROJECT_ROOT,
                env=self._environment(port, proxy_port),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def start(self, within: float = 60.0) -> None:
        """Start every process and wait until each receiver answers /healthz and the
        webhook is registered."""
        self.ports = [free_port() for _ in range(self.receivers)]
        self.proxy = await TcpProxy([("127.0.0.1", port) for port in self.ports]).start()
        if self.dispatcher:
            self._spawn("dispatcher", "dispatcher", free_port(), self.proxy.port)
        for number, port in enumerate(self.ports, start=1):
            self._spawn(f"receiver{number}", "receiver", port, self.proxy.port)
        deadline = time.monotonic() + within
        for port in self.ports:
            while not await _answers(f"http://127.0.0.1:{port}/healthz"):
                self._check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"receiver on {port} did not start; see {self.logs}")
                await asyncio.sleep(0.2)
        await self.emulator.wait_for(lambda: self.emulator.world.updates.webhook_url, within)

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                log = (self.logs / f"{name}.log").read_text(errors="replace")
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{log[-3000:]}")

    async def standby_receiver(self) -> str:
        """A receiver that is not the dispatcher leader (its /readyz says "standby")."""
        for number, port in enumerate(self.ports, start=1):
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/readyz") as response,
            ):
                if (await response.json())["checks"]["dispatcher"] == "standby":
                    return f"receiver{number}"
        raise LookupError("every receiver is the dispatcher leader")

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.proxy is not None:
            await self.proxy.stop()


async def _answers(url: str) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
