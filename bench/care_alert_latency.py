"""From a patient's report to the staff alert leaving the bot, with 10,000 other messages pending.

The real application (handlers, outbox, dispatcher, pacing) against the Bot API emulator, on
real time. Two runs: 10,000 other messages due later (scheduled care), and 10,000 due now (a
backlog, as after an outage). Each report is a patient pressing a sign button; the latency is
from that press until the first staff member's alert reaches the emulator. Target: p99 < 2 s.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.migrate import upgrade_to_head
from mesobot.models import Patient
from mesobot.outbox.api import enqueue
from tests.app_harness import running_bot, settings_for
from tests.emulator.server import BotApiEmulator


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


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


async def run(database_url: str, *, others: int, reports: int, backlog: bool) -> list[float]:
    async with BotApiEmulator() as emulator:
        staff = [emulator.create_user(name) for name in ("Marta", "Rui")]
        patients = [emulator.create_user(f"P{n}") for n in range(reports)]
        others_chats = [emulator.create_user(f"O{n}") for n in range(max(1, min(1000, others)))]
        for user in (*staff, *patients, *others_chats):
            assert user.chat.user is not None
            user.chat.user.started_bot = True
        database = Database(database_url)
        now = datetime.now(UTC)
        due = now if backlog else now + timedelta(days=1)
        async with database.write() as session:
            for user in patients:
                session.add(Patient(telegram_user_id=user.id, created_at=now, last_seen_at=now))
            for number in range(others):
                recipient = others_chats[number % len(others_chats)].id
                await _queue_text(
                    session, recipient, f"other {number}", f"bench:{number}", due, now
                )
        await database.dispose()
        settings = settings_for(
            emulator, database_url=database_url, staff_ids=[member.id for member in staff]
        )
        latencies: list[float] = []
        async with running_bot(settings, clock=Clock()):
            for patient in patients:
                patient.send_command("report")
                question = await patient.next_bot_message(within=30)
                before = len(staff[0].bot_messages)
                started = time.perf_counter()
                patient.press_button(data=question.buttons[0]["callback_data"], message=question)
                await emulator.wait_for(
                    lambda before=before: any(
                        "Reaction report #" in (m.text or m.caption or "")
                        for m in staff[0].bot_messages[before:]
                    ),
                    within=60,
                )
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(1.1)  # one staff chat takes one message a second
        return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--others", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=40)
    arguments = parse_arguments(parser, others=20, reports=1)
    with tempfile.TemporaryDirectory() as folder:
        for backlog in (False, True):
            url = f"sqlite:///{folder}/bench-{backlog}.sqlite3"
            upgrade_to_head(url)
            latencies = asyncio.run(
                run(url, others=arguments.others, reports=arguments.reports, backlog=backlog)
            )
            label = "due now (backlog)" if backlog else "due later"
            print(
                f"{arguments.others} other messages {label}, {len(latencies)} reports: "
                f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
                f"p99 {_percentile(latencies, 0.99) * 1000:.0f} ms, "
                f"max {max(latencies) * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
