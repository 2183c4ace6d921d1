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
    """At most `overall` messages in any `window` seconds, and `per_chat` into one chat;
    at most `per_group` in any `group_window` seconds into one group (Telegram's FAQ: "no more
    than 20 messages per minute" in a group)."""

    overall: int = 30
    per_chat: int = 1
    window: float = 1.0
    per_group: int = 20
    group_window: float = 60.0


class FloodControl:
    """Counts sent messages over a sliding window and answers 429 beyond the limits.

    A message counts from the moment its request arrives, as at Telegram's end: checked and
    counted in one step, so that calls arriving together cannot all pass one check, and a
    call that takes long to handle does not move its place in the window later.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.limits: FloodLimits | None = None
        self._sent: deque[tuple[float, object]] = deque()
        self._group_sent: dict[object, deque[tuple[float, object]]] = {}

    def admit(self, chat_id: object) -> tuple[float, object] | None:
        """Count one message into chat_id arriving now, or raise 429 with retry_after when it
        would exceed a limit. Returns what to pass to `withdraw` if the call then fails."""
        if self.limits is None:
            return None
        now = self._clock()
        while self._sent and self._sent[0][0] <= now - self.limits.window:
            self._sent.popleft()
        in_chat = [sent_at for sent_at, chat in self._sent if chat == chat_id]
        for times, limit in ((in_chat, self.limits.per_chat), (self._sent, self.limits.overall)):
            if len(times) >= limit:
                oldest = times[0] if times is in_chat else self._sent[0][0]
                wait = oldest + self.limits.window - now
                raise too_many_requests(max(1, math.ceil(wait)))
        group = self._group_sent.get(chat_id) if _is_group(chat_id) else None
        if group is not None:
            while group and group[0][0] <= now - self.limits.group_window:
                group.popleft()
            if len(group) >= self.limits.per_group:
                wait = group[0][0] + self.limits.group_window - now
                raise too_many_requests(max(1, math.ceil(wait)))
        entry = (now, chat_id)
        self._sent.append(entry)
        if _is_group(chat_id):
            self._group_sent.setdefault(chat_id, deque()).append(entry)
        return entry

    def withdraw(self, entry: tuple[float, object] | None) -> None:
        """Stop counting a call that was refused after all (403, 400): no message was sent."""
        if entry is not None and entry in self._sent:
            self._sent.remove(entry)
        group = self._group_sent.get(entry[1]) if entry is not None else None
        if group is not None and entry in group:
            group.remove(entry)


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
