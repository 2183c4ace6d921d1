"""From a patient's report to the staff alert leaving the bot, under two kinds of pressure.

The real application (handlers, outbox, dispatcher, pacing) against the Bot API emulator, on
real time and SQLite. Two runs:

- backlog: 10,000 other messages due at once (as after an outage), queued before the bot
  starts; at 30 messages a second they take over five minutes to go;
- photos: while a second patient, whose own report is open, sends 200 photos to it.

Each report is a patient pressing a sign button; the latency is from that press until the
first staff member's alert reaches the emulator. Target: p99 under 2 s in both runs. The
photos run also prints how many messages the photos became for one staff member (merged, one
a minute at most) and how many of them Telegram got by the end.

Run from the repository root: `.venv/bin/python -m bench.care_alert_latency` (`--quick`: tiny
sizes, to check that it still runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Message
from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.migrate import upgrade_to_head
from mesobot.models import Patient
from mesobot.outbox.api import enqueue
from tests.app_harness import running_bot, settings_for

TARGET_MS = 2000


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _text(message: Message) -> str:
    return message.text or message.caption or ""


async def _queue_text(
    session: AsyncSession, recipient: int, text: str, key: str, due: datetime, now: datetime
) -> None:
    """The one call into the outbox's enqueue API, alone so that an API change is one edit."""
    await enqueue(
        session=session,
        recipient=recipient,
        kind="text",
        payload={"text": text},
        due_at=due,
        idempotency_key=key,
        now=now,
    )


def _started(emulator: BotApiEmulator, name: str) -> TelegramUser:
    user = emulator.create_user(name)
    assert user.chat.user is not None
    user.chat.user.started_bot = True
    return user


async def _prepare(
    database_url: str, patients: list[TelegramUser], others: list[TelegramUser], count: int
) -> None:
    """Patients on record, and `count` messages due now to the `others`, in turn."""
    database = Database(database_url)
    now = datetime.now(UTC)
    chats = [user.id for user in others]
    async with database.write() as session:
        for user in patients:
            session.add(Patient(telegram_user_id=user.id, created_at=now, last_seen_at=now))
        for number in range(count):
            recipient = chats[number % len(chats)]
            await _queue_text(session, recipient, f"other {number}", f"bench:{number}", now, now)
    await database.dispose()


async def _press_sign(patient: TelegramUser) -> tuple[Message, float]:
    """/report, then the first sign: the question, and when the sign was pressed."""
    patient.send_command("report")
    question = await patient.next_bot_message(
        where=lambda m: "What do you see" in _text(m), within=60
    )
    started = time.perf_counter()
    patient.press_button(data=question.buttons[0]["callback_data"], message=question)
    return question, started


async def _report_and_time(
    emulator: BotApiEmulator, patient: TelegramUser, staff: TelegramUser
) -> float:
    before = len(staff.bot_messages)
    _question, started = await _press_sign(patient)

    def alerted() -> bool:
        return any("Reaction report #" in _text(m) for m in staff.bot_messages[before:])

    await emulator.wait_for(alerted, within=120)
    return time.perf_counter() - started


async def _send_photos(patient: TelegramUser, photos: int, rate: float) -> None:
    """The second patient's photos, `rate` a second, each with a caption of its own."""
    for number in range(photos):
        patient.send_photo(caption=f"photo {number} of the left cheek")
        await asyncio.sleep(1 / rate)


async def run(
    database_url: str,
    *,
    others: int,
    reports: int,
    photos: int,
    photo_rate: float,
    settle: float = 0.0,
) -> tuple[list[float], str]:
    """The reports' latencies, and what became of the photos (empty without photos)."""
    async with BotApiEmulator() as emulator:
        staff = [_started(emulator, name) for name in ("Marta", "Rui")]
        patients = [_started(emulator, f"P{n}") for n in range(reports)]
        sender = _started(emulator, "Photographer")
        chats = [_started(emulator, f"O{n}") for n in range(min(1000, others))]
        await _prepare(database_url, [*patients, sender], chats, others)
        settings = settings_for(
            emulator, database_url=database_url, staff_ids=[member.id for member in staff]
        )
        latencies: list[float] = []
        async with running_bot(settings, clock=Clock()):
            sending: asyncio.Task[None] | None = None
            if photos:
                await _report_and_time(emulator, sender, staff[0])
                await sender.next_bot_message(where=lambda m: "send a photo" in _text(m))
                sending = asyncio.create_task(_send_photos(sender, photos, photo_rate))
                await asyncio.sleep(1.1)  # the staff chat's one message a second
            for patient in patients:
                latencies.append(await _report_and_time(emulator, patient, staff[0]))
                await asyncio.sleep(1.1)  # one staff chat takes one message a second
            if sending is not None:
                await sending
                # The merged message after the first goes a minute after it: wait for it.
                with contextlib.suppress(TimeoutError):
                    await emulator.wait_for(lambda: _shown(staff[0]) >= photos, within=settle)
            outcome = _photos_outcome(staff[0], photos)
        return latencies, outcome


def _digests(staff: TelegramUser) -> list[Message]:
    return [m for m in staff.bot_messages if "the patient" in _text(m) and "added" in _text(m)]


def _shown(staff: TelegramUser) -> int:
    return sum(_text(m).count(" of the left cheek") for m in _digests(staff))


def _photos_outcome(staff: TelegramUser, photos: int) -> str:
    if not photos:
        return ""
    return (
        f"{photos} photos became {len(_digests(staff))} staff messages for one staff member, "
        f"listing {_shown(staff)} of them (any others are in /reports)"
    )


def _line(label: str, latencies: list[float]) -> str:
    p99 = _percentile(latencies, 0.99) * 1000
    verdict = "under" if p99 < TARGET_MS else "OVER"
    return (
        f"{label}, {len(latencies)} reports: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {p99:.0f} ms, max {max(latencies) * 1000:.0f} ms ({verdict} the {TARGET_MS} ms "
        "target)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--others", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--photo-rate", type=float, default=10.0, help="photos a second")
    parser.add_argument(
        "--settle", type=float, default=70.0, help="seconds to wait for the merged photos"
    )
    arguments = parse_arguments(parser, others=20, reports=1, photos=5, settle=0.0)
    Outcome = Coroutine[Any, Any, tuple[list[float], str]]
    runs: list[tuple[str, Callable[[str], Outcome]]] = [
        (
            f"{arguments.others} other messages due at once",
            lambda url: run(
                url, others=arguments.others, reports=arguments.reports, photos=0, photo_rate=1
            ),
        ),
        (
            f"while a second patient sends {arguments.photos} photos to their report",
            lambda url: run(
                url,
                others=0,
                reports=arguments.reports,
                photos=arguments.photos,
                photo_rate=arguments.photo_rate,
                settle=arguments.settle,
            ),
        ),
    ]
    with tempfile.TemporaryDirectory() as folder:
        for number, (label, start) in enumerate(runs):
            url = f"sqlite:///{folder}/bench-{number}.sqlite3"
            upgrade_to_head(url)
            latencies, outcome = asyncio.run(start(url))
            print(_line(label, latencies))
            if outcome:
                print(f"  {outcome}")


if __name__ == "__main__":
    main()
