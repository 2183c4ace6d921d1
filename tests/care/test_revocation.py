"""A staff member removed from MESOBOT_STAFF_IDS, across a real restart: none of the alerts,
re-sends or additions queued for them reaches them, not even once they unblock the bot and
send /start (which resumes a chat's paused messages)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.outbox.models import MessageState, OutboxMessage
from tests.app_harness import running_bot, settings_for
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_reports import _text
from tests.care.test_schedule import madrid


async def _states_of(database: Database, chat_id: int) -> set[str]:
    async with database.read() as session:
        rows = await session.exec(
            select(OutboxMessage.state).where(col(OutboxMessage.recipient) == chat_id)
        )
        return set(rows.all())


async def test_a_restart_without_a_former_staff_member_sends_them_nothing_more(
    world: CareWorld, clock: ManualClock, database: Database, database_url: str
) -> None:
    marta, rui = world.staff
    lucia = world.patient
    rui.block_bot()  # his alert and everything after it wait, paused, for his return
    async with running_bot(world.settings, clock=clock) as app:
        services = app.bot_data.services
        patient_id = await add_patient(database, lucia.id, language="en", now=clock.now())
        await booked_and_confirmed(services, patient_id)
        await lucia.next_bot_message(where=lambda m: m.document is not None)
        clock.set(madrid(2026, 12, 3, 11, 0))
        lucia.send_command("report")
        await lucia.next_bot_message(where=lambda m: "What do you see" in _text(m))
        lucia.press_button(services.clinic.care.signs["skin_colour"].label.in_language("en"))
        await marta.next_bot_message(where=lambda m: "Reaction report #" in _text(m))
        sent = lucia.send_photo(caption="darker today")
        await marta.next_bot_message(where=lambda m: "darker today" in _text(m))
        await lucia.next_bot_message(after=sent)
        await world.emulator.wait_until_delivered()
        assert app.bot_data.dispatcher is not None
        await app.bot_data.dispatcher.drain()
        assert MessageState.PAUSED in await _states_of(database, rui.id)
    refused = world.emulator.take_violations()
    assert refused
    assert all("blocked by the user" in v.description for v in refused)
    without_rui = settings_for(
        world.emulator,
        database_url=database_url,
        staff_ids=[marta.id],
        staff_chat_id=world.group.id,
    )
    async with running_bot(without_rui, clock=clock) as app:
        clock.advance(timedelta(hours=3))  # every re-send of the alert falls due
        for round_number in (1, 2, 3, 4):
            await marta.next_bot_message(
                where=lambda m, n=round_number: f"sent again ({n} of 4)" in _text(m)
            )
        lucia.send_photo(caption="and swollen")
        await marta.next_bot_message(where=lambda m: "and swollen" in _text(m))
        rui.unblock_bot()
        rui.send_command("start")
        await rui.next_bot_message()  # the welcome, as to anyone
        await world.emulator.wait_until_delivered()
        assert app.bot_data.dispatcher is not None
        await app.bot_data.dispatcher.drain()
        clock.advance(timedelta(hours=3))
        await world.emulator.wait_until_delivered()
        await app.bot_data.dispatcher.drain()
    assert world.emulator.take_violations() == []  # nothing was even tried while blocked
    assert rui.bot_messages, "the welcome reached him"
    for message in rui.bot_messages:  # the welcome and the consent text, nothing of the report
        assert "report #" not in _text(message).lower()
        assert "sent again" not in _text(message)
        assert "and swollen" not in _text(message)
    assert await _states_of(database, rui.id) <= {MessageState.CANCELLED}
