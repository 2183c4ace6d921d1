"""Jobs that run every so often and again whenever the (test) clock jumps.

Both of today's (request expiry, retention) are bulk statements that are safe to repeat, so
a run triggered by a jump may overlap the periodic one: it does what one run would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from mesobot.handlers.context import MesobotApplication, MesobotContext

# A run missed (the process was busy or asleep) is run late, once: not skipped, not repeated.
_JOB_KWARGS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


def run_periodically(
    application: MesobotApplication,
    job: Callable[[MesobotContext], Coroutine[Any, Any, None]],
    *,
    name: str,
    interval: float,
    first: float,
) -> None:
    """Run `job` every `interval` seconds from `first`, and soon after every clock jump."""
    job_queue = application.job_queue
    assert job_queue is not None
    job_queue.run_repeating(job, interval=interval, first=first, name=name, job_kwargs=_JOB_KWARGS)
    loop = asyncio.get_running_loop()

    def soon() -> None:
        # The clock may be moved from another thread (a test's, or the demo's time machine).
        if application.running:
            loop.call_soon_threadsafe(lambda: job_queue.run_once(job, 0, job_kwargs=_JOB_KWARGS))

    application.bot_data.subscriptions.append(application.bot_data.services.clock.subscribe(soon))
