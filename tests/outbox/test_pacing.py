"""The pacer counts each send as Telegram may: from its start to a window after its answer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mesobot.outbox.pacing import Pacer


@dataclass
class FakeTime:
    """Monotonic time that moves only when the pacer sleeps or a request takes time."""

    now: float = 100.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def pacer_on(time: FakeTime, **limits: float) -> Pacer:
    return Pacer(monotonic=time.monotonic, sleep=time.sleep, **limits)  # type: ignore[arg-type]


async def send(pacer: Pacer, time: FakeTime, chat_id: int, *, taking: float = 0.0) -> float:
    """Send to `chat_id` through the pacer; the answer comes `taking` seconds later.
    Returns when the request started."""
    async with pacer.slot(chat_id):
        started = time.now
        time.now += taking
    return started


async def test_the_overall_window_counts_from_the_start_to_a_window_after_the_answer() -> None:
    """A slow answer keeps its send counted longer: Telegram may have received it late."""
    time = FakeTime()
    pacer = pacer_on(time, per_second=2, window=1.0)
    assert await send(pacer, time, 1, taking=0.1) == 100.0
    assert await send(pacer, time, 2) == 100.25  # spaced, a little less after an idle spell
    # Two sends counted until 101.1 and 101.25: a third waits for the first to stop counting,
    # not for a second after it started.
    assert await send(pacer, time, 3) == pytest.approx(101.1)


async def test_one_chat_gets_one_message_per_interval_after_the_answer() -> None:
    time = FakeTime()
    pacer = pacer_on(time, per_chat_interval=1.0)
    assert await send(pacer, time, 7, taking=0.2) == 100.0
    assert await send(pacer, time, 8) < 100.2 + 0.1  # another chat need not wait
    assert await send(pacer, time, 7) == pytest.approx(101.2)


async def test_a_group_gets_at_most_twenty_messages_a_minute() -> None:
    time = FakeTime()
    pacer = pacer_on(time, per_chat_interval=1.0)
    starts = [await send(pacer, time, -100) for _ in range(20)]
    assert starts == [100.0 + n for n in range(20)]
    # Free of its one-second spacing by 120, but full for the minute until 160.
    assert pacer.busy_chats(ahead=5) == {-100}
    assert pacer.busy_chats(ahead=45) == set()
    assert await send(pacer, time, -100) == 160.0


async def test_a_flood_wait_for_the_whole_bot_holds_every_chat() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.flood_wait(chat_id=None, retry_after=5)
    assert await send(pacer, time, 1) == 105.0
    pacer.flood_wait(chat_id=2, retry_after=3)
    assert pacer.busy_chats() == {1, 2}
    assert await send(pacer, time, 3) < 105.1  # only chat 2 was told to wait


async def test_busy_chats_looking_ahead_leaves_out_chats_free_by_then() -> None:
    """The dispatcher claims a chat's next message shortly before the chat frees."""
    time = FakeTime()
    pacer = pacer_on(time, per_chat_interval=1.0)
    await send(pacer, time, 1)
    pacer.flood_wait(chat_id=2, retry_after=10)
    assert pacer.busy_chats() == {1, 2}
    assert pacer.busy_chats(ahead=1.5) == {2}
    time.now += 1.0
    assert pacer.busy_chats() == {2}
