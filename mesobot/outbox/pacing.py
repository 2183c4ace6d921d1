"""Telegram's budget for everything the bot sends, in one order of precedence.

One `Pacer` per process hands out every send slot: the bot's rate limiter
(`mesobot.handlers.budget`) takes one for each Bot API call that posts or edits a message,
whether a handler's direct reply or the outbox's send, so both count against the same limits:
about 30 messages a second overall, one a second per chat on average with short bursts, and
20 a minute in a group. When several sends wait, staff alerts go first, then replies to a
person, then the outbox's bulk (reminders, tips, notices); within one precedence, first come,
first served. A send whose chat may not be sent to yet does not hold up the others.

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
import bisect
import contextlib
import heapq
import itertools
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum

# Telegram's FAQ: "not more than 20 messages per minute" in a group (chat ids below zero).
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0
# "We may allow short bursts" over one a second in a chat: a reply of a few messages goes at
# once. Five, not three: a patient booking at a reading pace gets about a message a second, in
# steps of up to three, and with three the budget held steps back (bench/tap_latency: p99 from
# 0.2 to 0.6 s).
CHAT_BURST = 5
# The outbox's bulk keeps to one a second in a chat and leaves this much of the burst unused,
# so that a reply always finds room; after a burst of replies, it waits for that much only.
_KEPT_FOR_REPLIES = 1
# Telegram's 429 does not say whether it limits one chat or the bot: a second chat flooded
# within this many seconds of the first means the bot's overall limit.
_WHOLE_BOT_FLOOD = 1.0


class Precedence(IntEnum):
    """Which waiting send goes first (lowest first). PTB passes only a truthy
    `rate_limit_args` on, so the values start at 1."""

    ALERT = 1  # staff alerts of high or emergency severity
    REPLY = 2  # a direct answer to what a person just sent
    BULK = 3  # the outbox's reminders, tips and notices


@dataclass
class _Chat:
    # Generic cell rate: one message per interval on average, `burst - 1` intervals of
    # credit. `due` is when the chat's average would allow its next message.
    due: float = -math.inf
    bulk_after: float = -math.inf  # an interval after the outbox's last message here
    paused_until: float = -math.inf  # a 429 for this chat
    sending: bool = False  # one message at a time: their order is the chat's order
    # For a group: when each of its last `group_limit` messages stops counting.
    group: deque[float] | None = None


@dataclass(order=True)
class _Waiter:
    precedence: int
    arrival: int
    chat_id: int | None = field(compare=False)
    message: bool = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


class Pacer:
    """Hands out send slots: at most `per_second` sends in any `window` (bulk evenly spaced);
    per chat one at a time and one per `per_chat_interval` on average, after a burst of
    `chat_burst` (bulk: one a second, leaving room for a reply); at most
    `group_limit` per `group_window` into a group; none while a 429 says wait. Use
    `async with pacer.slot(chat_id, precedence):` around the request."""

    def __init__(
        self,
        *,
        per_second: float = 30,
        per_chat_interval: float = 1.0,
        chat_burst: int = CHAT_BURST,
        window: float = 1.0,
        group_limit: int = GROUP_LIMIT,
        group_window: float = GROUP_WINDOW,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_window = per_second
        self.window = window
        # Bulk is spaced evenly inside the window: a burst of 30 at once is within the count,
        # but Telegram says "about" 30 a second, and a steady stream is the safer reading.
        # Replies and alerts keep to the count alone: a person waits for them.
        self.interval = window / per_second
        self.per_chat_interval = per_chat_interval
        self.chat_burst = chat_burst
        self.group_limit = group_limit
        self.group_window = group_window
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._sending = 0
        # When each finished send stops counting against the overall window (a heap).
        self._counted_until: list[float] = []
        self._chats: dict[int, _Chat] = {}
        self._waiters: list[_Waiter] = []  # sorted: precedence, then arrival
        self._arrivals = itertools.count()
        self._changed = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self._last_flood: tuple[int, float] | None = None

    @contextlib.asynccontextmanager
    async def slot(
        self,
        chat_id: int | None,
        precedence: Precedence = Precedence.BULK,
        *,
        message: bool = True,
    ) -> AsyncIterator[None]:
        """Wait for a slot and hold it while the request is under way.

        A `message` into `chat_id` counts against every limit; an edit (`message=False`)
        only against the overall one, and waits out a 429 for its chat.
        """
        waiter = await self._acquire(chat_id, precedence, message)
        try:
            yield
        finally:
            self._release(waiter)

    async def _acquire(
        self, chat_id: int | None, precedence: Precedence, message: bool
    ) -> _Waiter:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(precedence, next(self._arrivals), chat_id, message, loop.create_future())
        bisect.insort(self._waiters, waiter)
        self._kick()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._release(waiter)  # granted just before the cancel: give it back
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
                self._kick()
            raise
        return waiter

    # -- granting ------------------------------------------------------------------------

    def _kick(self) -> None:
        """Grant what may go now; leave the rest to the pump, woken."""
        self._grant()
        if self._waiters:
            self._changed.set()
            if self._pump is None or self._pump.done():
                self._pump = asyncio.get_running_loop().create_task(self._run_pump())

    async def _run_pump(self) -> None:
        # Sleeps until the first waiter could go, or until a send ends or a waiter comes.
        while self._waiters:
            self._changed.clear()
            delay = self._grant()
            if not self._waiters:
                return
            if math.isinf(delay):
                await self._changed.wait()
                continue
            sleeping = asyncio.ensure_future(self._sleep(delay))
            changed = asyncio.ensure_future(self._changed.wait())
            await asyncio.wait((sleeping, changed), return_when=asyncio.FIRST_COMPLETED)
            sleeping.cancel()
            changed.cancel()

    def _grant(self) -> float:
        """Start every waiter that may go now, best first; seconds until the next one may."""
        while self._waiters:
            now = self._monotonic()
            wait = self._overall_wait(now)
            if wait > 0:
                return wait
            soonest = math.inf
            for waiter in self._waiters:
                wait = self._chat_wait(waiter, now)
                if waiter.precedence == Precedence.BULK:
                    wait = max(wait, self._next_slot - now)
                if wait == 0:
                    self._start(waiter, now)
                    break
                soonest = min(soonest, wait)
            else:
                return soonest
        return math.inf

    def _overall_wait(self, now: float) -> float:
        """Until any send may go: a 429 for the bot, or the window's count full."""
        while self._counted_until and self._counted_until[0] <= now:
            heapq.heappop(self._counted_until)
        waits = [self._paused_until - now]
        if self._sending + len(self._counted_until) >= self.per_window:
            waits.append(self._counted_until[0] - now if self._counted_until else math.inf)
        return max(0.0, *waits)

    def _chat_wait(self, waiter: _Waiter, now: float) -> float:
        chat = self._chats.get(waiter.chat_id) if waiter.chat_id is not None else None
        if chat is None:
            return 0.0
        waits = [chat.paused_until - now]
        if waiter.message:
            if chat.sending:
                return math.inf  # until its send under way ends
            if waiter.precedence == Precedence.BULK:
                waits.append(self._bulk_free_at(chat) - now)
            else:
                waits.append(chat.due - (self.chat_burst - 1) * self.per_chat_interval - now)
            if chat.group is not None and len(chat.group) == self.group_limit:
                waits.append(chat.group[0] - now)
        return max(0.0, *waits)

    def _start(self, waiter: _Waiter, now: float) -> None:
        self._waiters.remove(waiter)
        self._sending += 1
        if waiter.message and waiter.chat_id is not None:
            self._chats.setdefault(waiter.chat_id, _Chat()).sending = True
        if waiter.precedence == Precedence.BULK:
            # From the slot taken, not from now: a send woken a little late does not push
            # every later slot back (after an idle spell, the next is half an interval away).
            self._next_slot = max(self._next_slot, now - self.interval / 2) + self.interval
        waiter.granted.set_result(None)

    def _release(self, waiter: _Waiter) -> None:
        now = self._monotonic()
        self._sending -= 1
        heapq.heappush(self._counted_until, now + self.window)
        if waiter.message and waiter.chat_id is not None:
            chat = self._chats.setdefault(waiter.chat_id, _Chat())
            chat.sending = False
            # Counted as if it arrived with its answer: the latest Telegram may have seen it.
            chat.due = max(chat.due, now) + self.per_chat_interval
            if waiter.precedence == Precedence.BULK:
                chat.bulk_after = now + self.per_chat_interval
            if waiter.chat_id < 0:  # a group or channel; only its last `group_limit` count
                if chat.group is None:
                    chat.group = deque(maxlen=self.group_limit)
                chat.group.append(now + self.group_window)
        self._kick()

    # -- 429s and the outbox's view --------------------------------------------------------

    def flood_wait(self, *, chat_id: int | None, retry_after: float) -> None:
        """Telegram said 429: wait `retry_after` seconds for `chat_id`, or for all when None
        or when another chat was flooded just before (then it is the bot's overall limit)."""
        now = self._monotonic()
        until = now + retry_after
        if chat_id is not None:
            last, self._last_flood = self._last_flood, (chat_id, now)
            if last is None or last[0] == chat_id or now - last[1] >= _WHOLE_BOT_FLOOD:
                chat = self._chats.setdefault(chat_id, _Chat())
                chat.paused_until = max(chat.paused_until, until)
                return
        self._paused_until = max(self._paused_until, until)

    def busy_chats(self, *, ahead: float = 0.0) -> set[int]:
        """Chats the outbox may not send to within `ahead` seconds; forgets idle ones.

        A message for a chat free within `ahead` may be claimed now and wait for its slot,
        so that it is ready the moment the chat is.
        """
        now = self._monotonic()
        busy = set()
        for chat_id, chat in list(self._chats.items()):
            free_at = self._bulk_free_at(chat)
            if chat.sending or free_at > now + ahead:
                busy.add(chat_id)
            elif max(free_at, chat.due) <= now and not (chat.group and chat.group[-1] > now):
                del self._chats[chat_id]  # nothing of it counts any more
        return busy

    def seconds_until_free(self) -> float | None:
        """How long until the first busy chat or a global pause is over, if anything waits."""
        now = self._monotonic()
        ends = [self._bulk_free_at(chat) for chat in self._chats.values()]
        waits = [t - now for t in (*ends, self._paused_until) if t > now]
        return min(waits) if waits else None

    def _bulk_free_at(self, chat: _Chat) -> float:
        """When the outbox's next message may go to `chat`."""
        credit = (self.chat_burst - 1 - _KEPT_FOR_REPLIES) * self.per_chat_interval
        group = chat.group
        group_free = group[0] if group is not None and len(group) == self.group_limit else 0.0
        return max(chat.bulk_after, chat.due - credit, chat.paused_until, group_free)
