"""`make demo`: mesobot with no token, against a local Bot API emulator, in a web page.

python -m mesobot_demo [--host 127.0.0.1] [--port 8080] [--data-dir data/demo]
                       [--start 2026-11-30T08:00:00+00:00]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from datetime import datetime
from pathlib import Path

from aiohttp import web

from mesobot.clinic import ClinicFileError, load_clinic
from mesobot.config import DEFAULT_CLINIC_FILE, PROJECT_ROOT
from mesobot.logs import configure_logging
from mesobot.migrate import upgrade_to_head
from mesobot_demo.web import make_app
from mesobot_demo.world import DemoWorld, demo_database_url

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mesobot_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="where the page listens")
    parser.add_argument("--port", type=int, default=8080, help="the page's port (0: any)")
    parser.add_argument(
        "--data-dir", type=Path, default=PROJECT_ROOT / "data" / "demo", help="the SQLite folder"
    )
    parser.add_argument(
        "--clinic-file", type=Path, default=DEFAULT_CLINIC_FILE, help="the clinic's TOML file"
    )
    parser.add_argument(
        "--start", type=datetime.fromisoformat, help="the bot's time at start (default: now)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="let --host be other than loopback (the demo has no login: anyone could use it)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Migrate a fresh demo database, then serve the bot, the emulator and the page."""
    options = _options(sys.argv[1:] if argv is None else argv)
    if options.host not in LOOPBACK and not options.allow_remote:
        print("mesobot demo: --host is not loopback; add --allow-remote", file=sys.stderr)  # noqa: T201
        return 2
    try:
        clinic = load_clinic(options.clinic_file)
    except ClinicFileError as error:
        print(f"mesobot demo: {options.clinic_file}: {error}", file=sys.stderr)  # noqa: T201
        return 2
    configure_logging(secrets=[])
    database_url = demo_database_url(options.data_dir)
    # Before the event loop, as bot.py does: Alembic's async env calls asyncio.run().
    upgrade_to_head(database_url)
    world = DemoWorld(database_url=database_url, clinic=clinic, start=options.start)
    asyncio.run(_serve(world, options.host, options.port))
    return 0


async def _serve(world: DemoWorld, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    await world.start()
    runner = web.AppRunner(make_app(world), access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(f"mesobot demo: open http://{shown}:{bound_port}/ (Ctrl-C stops)", flush=True)  # noqa: T201
    try:
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()
        await world.stop()


if __name__ == "__main__":
    sys.exit(main())
