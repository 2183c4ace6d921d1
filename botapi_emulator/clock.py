"""A clock that tests move by hand, so timeouts and flood windows pass without sleeping."""

import time


class ManualClock:
    """Return a fixed UNIX time until advanced; callable like time.time."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
