"""A webhook receiver or a dispatcher as a process of its own, for the multi-process tests and
the benchmark: `python -m tests.webhook.process receiver|dispatcher`, settings from the
environment as `bot.py` reads them, with the tests' quick pacer (mesobot.app as `bot.py
--webhook` and `bot.py --dispatcher-only` build it)."""

from __future__ import annotations

import asyncio
import logging
import sys

from mesobot.app import build_application, run_dispatcher_only
from mesobot.config import load_settings
from mesobot.web.webhook_mode import run_webhook
from tests.app_harness import quick_pacer


def main() -> int:
    role = sys.argv[1]
    logging.basicConfig(
        level=logging.WARNING, format=f"{role} %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings()
    application = build_application(settings, pacer=quick_pacer(), webhook=role == "receiver")
    if role == "receiver":
        asyncio.run(run_webhook(application))
    else:
        asyncio.run(run_dispatcher_only(application))
    return 0


if __name__ == "__main__":
    sys.exit(main())
