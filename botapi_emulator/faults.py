"""Flood control and injected failures, switched on by tests that exercise the bot's resilience."""

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ApiError, too_many_requests

# Methods that put a new message into a chat, which is what Telegram's flood limits count.
_SENDING_METHODS = {"forwardMessage", "forwardMessages", "copyMessage", "copyMessages"}


def counts_as_message(method: str) -> bool:
    """Return whether Telegram's flood limits count a call of this method."""
    sends = method.startswith("send") and method != "sendChatAction"
    return sends or method in _SENDING_METHODS


@dataclass(frozen=True)
class FloodLimits:
    """At most `overall` messages in any `window` seconds; into one chat `per_chat` per
    `window` on average, with bursts of up to `per_chat_burst` at once (Telegram: "avoid
    sending more than one message per second ... We may allow short bursts"); at most
    `per_group` in any `group_window` seconds into one group (Telegram's FAQ: "no more than
    20 messages per minute" in a group)."""

    overall: int = 30
    per_chat: int = 1
    window: float = 1.0
    per_chat_burst: int = 5
    per_group: int = 20
    group_window: float = 60.0


@dataclass(frozen=True, eq=False)  # each admitted call is its own, even at one instant
class _Admitted:
    at: float
    chat_id: object


class FloodControl:
    """Counts sent messages and answers 429, with retry_after, beyond the limits.

    A message counts from the moment its request arrives, as at Telegram's end: checked and
    counted in one step, so that calls arriving together cannot all pass one check, and a
    call that takes long to handle does not move its place in the window later. Overall and
    per group, a sliding window; per chat, a generic cell rate: one message per interval on
    average, `per_chat_burst` at once after a quiet spell.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.limits: FloodLimits | None = None
        self._sent: deque[_Admitted] = deque()
        self._group_sent: dict[object, deque[_Admitted]] = {}
        # Per chat: when its average would allow the next message (its theoretical arrival).
        self._chat_due: dict[object, float] = {}

    def admit(self, chat_id: object) -> _Admitted | None:
        """Count one message into chat_id arriving now, or raise 429 with retry_after when it
        would exceed a limit. Returns what to pass to `withdraw` if the call then fails."""
        limits = self.limits
        if limits is None:
            return None
        now = self._clock()
        while self._sent and self._sent[0].at <= now - limits.window:
            self._sent.popleft()
        interval = limits.window / limits.per_chat
        chat_due = self._chat_due.get(chat_id, now)
        waits = [chat_due - (limits.per_chat_burst - 1) * interval - now]
        if len(self._sent) >= limits.overall:
            waits.append(self._sent[0].at + limits.window - now)
        group = self._group_sent.get(chat_id) if _is_group(chat_id) else None
        if group is not None:
            while group and group[0].at <= now - limits.group_window:
                group.popleft()
            if len(group) >= limits.per_group:
                waits.append(group[0].at + limits.group_window - now)
        wait = max(waits)
        if wait > 1e-9:
            raise too_many_requests(max(1, math.ceil(wait)))
        entry = _Admitted(now, chat_id)
        self._sent.append(entry)
        self._chat_due[chat_id] = max(chat_due, now) + interval
        if _is_group(chat_id):
            self._group_sent.setdefault(chat_id, deque()).append(entry)
        return entry

    def withdraw(self, entry: _Admitted | None) -> None:
        """Stop counting a call that was refused after all (403, 400): no message was sent."""
        if entry is None or self.limits is None:
            return
        if entry in self._sent:
            self._sent.remove(entry)
        group = self._group_sent.get(entry.chat_id)
        if group is not None and entry in group:
            group.remove(entry)
        interval = self.limits.window / self.limits.per_chat
        self._chat_due[entry.chat_id] = self._chat_due.get(entry.chat_id, entry.at) - interval


def _is_group(chat_id: object) -> bool:
    # Group and supergroup ids are negative; "@username" names a channel or supergroup.
    try:
        return int(str(chat_id)) < 0
    except ValueError:
        return True


@dataclass
class Fault:
    """Make the next `times` calls of `method` (into `chat_id`, when given) fail or stall."""

    method: str
    times: int
    chat_id: int | str | None = None
    status: int | None = None
    delay: float = 0.0

    def matches(self, method: str, chat_id: object) -> bool:
        """Return whether this fault applies to a call."""
        same_chat = self.chat_id is None or str(self.chat_id) == str(chat_id)
        return self.times > 0 and self.method == method and same_chat

    def error(self) -> ApiError | None:
        """Return the injected error, if this fault has one."""
        if self.status is None:
            return None
        return ApiError(self.status, f"Internal Server Error: injected fault ({self.status})")


class Faults:
    """Injected failures, consumed call by call."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Arm a fault."""
        self._faults.append(fault)

    def take(self, method: str, chat_id: object) -> Fault | None:
        """Consume and return the first armed fault matching this call."""
        for fault in self._faults:
            if fault.matches(method, chat_id):
                fault.times -= 1
                return fault
        return None
