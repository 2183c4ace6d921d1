"""Step latency as the issue defines it: from queueing an update to the bot's last API call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botapi_emulator.server import ApiCall, BotApiEmulator


@dataclass(frozen=True)
class Mark:
    """When an update was queued, and how many API calls the emulator had accepted by then."""

    queued_at: float
    calls_before: int


@dataclass
class Stopwatch:
    """Counts the updates the load queues and times each step's reply."""

    emulator: BotApiEmulator
    latencies_ms: list[float] = field(default_factory=list)
    updates: int = 0

    def mark(self) -> Mark:
        """Call right before queueing an update (the emulator's push is synchronous)."""
        self.updates += 1
        return Mark(time.perf_counter(), len(self.emulator.calls))

    def finish(self, mark: Mark, belongs: Callable[[ApiCall], bool]) -> None:
        """Once the reply is complete: time its last call among those made since `mark`.

        A patient queues its next update only after the whole reply, so every call of
        theirs since the mark answers this step.
        """
        own = [call for call in self.emulator.calls[mark.calls_before :] if belongs(call)]
        if own:
            self.latencies_ms.append((own[-1].accepted_at - mark.queued_at) * 1000)

    def reset(self) -> None:
        """Forget what was measured (the load starts now)."""
        self.latencies_ms.clear()
        self.updates = 0
