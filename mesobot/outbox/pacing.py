"""Pacing under Telegram's limits: about 30 messages a second overall, one a second per chat.

Pacing runs on real (monotonic) time, not the injected clock: it is about the rate at which
requests reach Telegram, which a test clock does not change.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class Pacer:
    """Hands out send slots: evenly spaced overall, and spaced per chat; waits honour 429s.

    Each slot is reserved when asked for, so concurrent senders queue instead of bursting.
    """

    def __init__(
        self,
        *,
        per_second: float = 29.0,
        per_chat_interval: float = 1.05,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # A little under Telegram's 30/s and 1/s: requests arrive with some jitter, and a
        # limit met exactly would be exceeded by the first request that arrives early.
        self.interval = 1.0 / per_second
        self.per_chat_interval = per_chat_interval
        self._monotonic = monotonic
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._chat_free_at: dict[int, float] = {}
        # Start times of the last second's sends: a stalled loop that wakes several senders
        # at once must not burst past the limit to catch up.
        self.per_window = max(1, int(per_second))
        self._recent: deque[float] = deque()

    async def acquire(self, chat_id: int) -> None:
        """Wait for this chat's next slot and the next overall slot, and take both."""
        while True:
            now = self._monotonic()
            start = max(now, self._chat_free_at.get(chat_id, 0.0), self._paused_until)
            slot = max(start, self._next_slot)
            if slot <= now:
                break
            if start > now:
                # Another wait (a 429, this chat's spacing) comes first; reserve nothing yet.
                await asyncio.sleep(start - now)
                continue
            self._next_slot = slot + self.interval
            self._chat_free_at[chat_id] = slot + self.per_chat_interval
            await asyncio.sleep(slot - now)
            if self._paused_until <= self._monotonic():
                break
            # A global 429 arrived while this send waited: wait it out and take a new slot.
        await self._within_window()
        now = self._monotonic()
        self._next_slot = max(self._next_slot, now + self.interval)
        self._chat_free_at[chat_id] = max(
            self._chat_free_at.get(chat_id, 0.0), now + self.per_chat_interval
        )

    async def _within_window(self) -> None:
        while True:
            now = self._monotonic()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) < self.per_window:
                self._recent.append(now)
                return
            await asyncio.sleep(self._recent[0] + 1.0 - now)

    def flood_wait(self, *, chat_id: int | None, retry_after: float) -> None:
        """Telegram said 429: wait `retry_after` seconds for `chat_id`, or for all when None."""
        until = self._monotonic() + retry_after
        if chat_id is None:
            self._paused_until = max(self._paused_until, until)
        else:
            self._chat_free_at[chat_id] = max(self._chat_free_at.get(chat_id, 0.0), until)

    def busy_chats(self) -> set[int]:
        """Chats that may not be sent to now; forgets those free again."""
        now = self._monotonic()
        for chat_id in [c for c, free_at in self._chat_free_at.items() if free_at <= now]:
            del self._chat_free_at[chat_id]
        return set(self._chat_free_at)

    def seconds_until_free(self) -> float | None:
        """How long until the first busy chat or a global pause is over, if anything waits."""
        now = self._monotonic()
        waits = [t - now for t in (*self._chat_free_at.values(), self._paused_until) if t > now]
        return min(waits) if waits else None
