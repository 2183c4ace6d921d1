"""Pacing under Telegram's limits: about 30 messages a second overall, one a second per chat.

Pacing runs on real (monotonic) time, not the injected clock: it is about the rate at which
requests reach Telegram, which a test clock does not change.

Telegram counts a message when its request arrives, and the bot only knows that this happens
somewhere between sending the request and reading the answer. So a send counts against a
window from the moment it starts until `window` seconds after its answer came back: however
the network delays each request, no window at Telegram's end can hold more than the limit.
This costs only the answer's latency per window (milliseconds), where a margin under the
limits (29/s, 1.05 s) costs several percent and still lets a delayed request through early.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

# Telegram's FAQ: "not more than 20 messages per minute" in a group (chat ids below zero).
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0


class Pacer:
    """Hands out send slots: at most `per_second` sends in any `window`, evenly spaced, and
    one per chat per `per_chat_interval`, each counted from its start to the end of its
    window after its answer; waits honour 429s. Use `async with pacer.slot(chat_id):`."""

    def __init__(
        self,
        *,
        per_second: int = 30,
        per_chat_interval: float = 1.0,
        window: float = 1.0,
        group_limit: int = GROUP_LIMIT,
        group_window: float = GROUP_WINDOW,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_window = per_second
        self.window = window
        # Even spacing inside the window: a burst of 30 at once is within the count, but
        # Telegram says "about" 30 a second, and a steady stream is the safer reading.
        self.interval = window / per_second
        self.per_chat_interval = per_chat_interval
        self.group_limit = group_limit
        self.group_window = group_window
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._sending = 0
        # When each finished send stops counting against the overall window (a heap).
        self._counted_until: list[float] = []
        self._chats_sending: set[int] = set()
        self._chat_free_at: dict[int, float] = {}
        self._group_counted_until: dict[int, deque[float]] = {}
        self._changed = asyncio.Event()

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for a slot for `chat_id` and hold it while the request is under way."""
        await self._acquire(chat_id)
        try:
            yield
        finally:
            self._release(chat_id)

    async def _acquire(self, chat_id: int) -> None:
        while True:
            wait = self._wait_before(chat_id)
            if wait == 0.0:
                break
            await self._wait(wait)
        now = self._monotonic()
        self._sending += 1
        self._chats_sending.add(chat_id)
        # From the slot taken, not from now: a send woken a little late does not push every
        # later slot back (after an idle spell, the next slot is half an interval away).
        self._next_slot = max(self._next_slot, now - self.interval / 2) + self.interval

    def _wait_before(self, chat_id: int) -> float:
        """Seconds until `chat_id` may be sent to (inf: until a send under way ends)."""
        now = self._monotonic()
        while self._counted_until and self._counted_until[0] <= now:
            heapq.heappop(self._counted_until)
        waits = [self._paused_until - now, self._next_slot - now]
        if chat_id in self._chats_sending:
            waits.append(math.inf)
        waits.append(self._chat_free_at.get(chat_id, 0.0) - now)
        if self._sending + len(self._counted_until) >= self.per_window:
            waits.append(self._counted_until[0] - now if self._counted_until else math.inf)
        group = self._group_counted_until.get(chat_id)
        if group is not None and len(group) == self.group_limit:
            waits.append(group[0] - now)
        return max(0.0, *waits)

    async def _wait(self, seconds: float) -> None:
        # Only the end of a send under way can end an unbounded wait. A bounded one is never
        # cut short: a send ending only ever adds to what is counted.
        if math.isinf(seconds):
            await self._changed.wait()
        else:
            await self._sleep(seconds)

    def _release(self, chat_id: int) -> None:
        now = self._monotonic()
        self._sending -= 1
        self._chats_sending.discard(chat_id)
        heapq.heappush(self._counted_until, now + self.window)
        self._chat_free_at[chat_id] = max(
            self._chat_free_at.get(chat_id, 0.0), now + self.per_chat_interval
        )
        if chat_id < 0:  # a group or channel; only its last `group_limit` sends matter
            group = self._group_counted_until.setdefault(chat_id, deque(maxlen=self.group_limit))
            group.append(now + self.group_window)
        self._changed.set()
        self._changed = asyncio.Event()

    def flood_wait(self, *, chat_id: int | None, retry_after: float) -> None:
        """Telegram said 429: wait `retry_after` seconds for `chat_id`, or for all when None."""
        until = self._monotonic() + retry_after
        if chat_id is None:
            self._paused_until = max(self._paused_until, until)
        else:
            self._chat_free_at[chat_id] = max(self._chat_free_at.get(chat_id, 0.0), until)

    def busy_chats(self, *, ahead: float = 0.0) -> set[int]:
        """Chats that may not be sent to within `ahead` seconds; forgets those free again.

        A message for a chat free within `ahead` may be claimed now and wait for its slot,
        so that it is ready the moment the chat is.
        """
        now = self._monotonic()
        for chat_id in [c for c, free_at in self._chat_free_at.items() if free_at <= now]:
            del self._chat_free_at[chat_id]
        for chat_id in [c for c, group in self._group_counted_until.items() if group[-1] <= now]:
            del self._group_counted_until[chat_id]
        busy = {c for c, free_at in self._chat_free_at.items() if free_at > now + ahead}
        busy.update(
            chat_id
            for chat_id, group in self._group_counted_until.items()
            if len(group) == self.group_limit and group[0] > now + ahead
        )
        return busy | self._chats_sending

    def seconds_until_free(self) -> float | None:
        """How long until the first busy chat or a global pause is over, if anything waits."""
        now = self._monotonic()
        groups = self._group_counted_until.values()
        full_groups = [group[0] for group in groups if len(group) == self.group_limit]
        ends = (*self._chat_free_at.values(), *full_groups, self._paused_until)
        waits = [t - now for t in ends if t > now]
        return min(waits) if waits else None
