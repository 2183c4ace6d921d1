"""Webhook mode's unit of work: an update's writes, its Bot API calls (outbox rows) and its
handled mark commit together or not at all, and its calls reach Telegram in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from botapi_emulator.server import ApiCall, BotApiEmulator
from botapi_emulator.state import Message
from mesobot.care.models import ReactionReport, ReportAddition
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.handlers.context import MesobotApplication
from mesobot.i18n import translations
from mesobot.inbox import store
from mesobot.outbox.calls import CALL
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.texts.languages import language_chosen
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed, started
from tests.care.test_schedule import madrid
from tests.factories import sample_clinic
from tests.webhook.harness import free_port, running_receiver, webhook_settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("backend")]

SIGN = "nausea"  # no emergency advice first: the press gets two messages


def _text(message: Message) -> str:
    return message.text or message.caption or ""


def _not_aftercare(calls: list[ApiCall]) -> list[ApiCall]:
    """Leave out the aftercare the outbox sends meanwhile (late, on the test clock)."""
    return [call for call in calls if "a little late" not in str(call.params.get("text"))]


class MarkThatFailsOnce:
    """The inbox's handled mark, failing once when armed: the receiver dying just before
    its unit of work commits, after the handler has done everything it does."""

    def __init__(self) -> None:
        self.original = store.mark_handled
        self.armed = False
        self.failures = 0

    async def __call__(self, **arguments: Any) -> None:
        if self.armed:
            self.armed = False
            self.failures += 1
            raise RuntimeError("the receiver dies before its update's commit")
        await self.original(**arguments)


@pytest.fixture
async def webhook_care(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[tuple[CareWorld, MesobotApplication]]:
    """A patient, a staff member and the staff group; the bot in webhook mode."""
    patient = started(emulator.create_user("Lucía", language_code="es"))
    staff = [started(emulator.create_user("Marta"))]
    group = emulator.create_group("Clinic staff", staff)
    settings = webhook_settings(emulator, database_url=database_url, port=free_port())
    settings = settings.model_copy(
        update={"mesobot_staff_ids": [staff[0].id], "mesobot_staff_chat_id": group.id}
    )
    async with running_receiver(settings, clock=clock) as application:
        await emulator.wait_for(lambda: emulator.world.updates.webhook_url, within=15)
        yield CareWorld(emulator, settings, patient, staff, group), application


async def _call_ids(database: Database) -> list[int | None]:
    return [row.id for row in await _calls(database)]


async def _calls(database: Database) -> list[OutboxMessage]:
    async with database.read() as session:
        statement = select(OutboxMessage).where(OutboxMessage.kind == CALL)
        return list((await session.exec(statement.order_by(col(OutboxMessage.id)))).all())


async def _recorded_calls(database: Database, after: int) -> list[OutboxMessage]:
    """The queued calls after the first `after`, once the dispatcher has recorded them all."""
    async with asyncio.timeout(10):
        while True:
            rows = (await _calls(database))[after:]
            if all(row.state == MessageState.SENT for row in rows):
                return rows
            await asyncio.sleep(0.05)


async def _reports(database: Database) -> list[ReactionReport]:
    async with database.read() as session:
        return list((await session.exec(select(ReactionReport))).all())


async def _sign_question(app: MesobotApplication, world: CareWorld, clock: ManualClock) -> Message:
    """The patient, an hour after a session, asks to report: the signs to choose from."""
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(services, patient_id)
    await world.patient.next_bot_message(where=lambda m: m.document is not None, within=15)
    clock.set(madrid(2026, 12, 3, 11, 0))  # an hour after the first session: care is open
    # Its aftercare, late by then, goes first: it is not part of what the tests follow.
    await world.patient.next_bot_message(where=lambda m: "a little late" in _text(m), within=15)
    await world.emulator.wait_until_delivered(within=10)
    world.patient.send_command("report")
    return await world.patient.next_bot_message(
        where=lambda m: "What do you see" in _text(m), within=15
    )


async def test_an_update_whose_commit_fails_leaves_nothing_and_its_retry_applies_it_once(
    webhook_care: tuple[CareWorld, MesobotApplication],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Choosing a sign writes the report (and staff alerts), answers the press, says what
    happens next and sends a ForceReply prompt, then writes the prompt's id: two writes and
    three calls. Failing at the mark keeps none of it; the retry does all of it once. The
    prompt, sent by the dispatcher, is then answered by a reply that finds the report."""
    world, app = webhook_care
    database = app.bot_data.services.database
    question = await _sign_question(app, world, clock)
    mark = MarkThatFailsOnce()
    monkeypatch.setattr(store, "mark_handled", mark)
    calls_before = await _call_ids(database)
    sent_before = len(world.emulator.calls)
    mark.armed = True
    label = sample_clinic().care.signs[SIGN].label.in_language("en")
    press = world.patient.press_button(label, message=question)
    async with asyncio.timeout(15):
        while mark.failures == 0:  # noqa: ASYNC110 (the emulator sees no change to wait on)
            await asyncio.sleep(0.05)
    await world.emulator.wait_until_delivered(within=5)

    assert await _reports(database) == []
    assert await _call_ids(database) == calls_before
    assert _not_aftercare(world.emulator.calls[sent_before:]) == []
    assert not press.answered

    clock.advance(timedelta(seconds=20))  # the failed attempt's lease runs out: retried
    prompt = await world.patient.next_bot_message(
        after=question, where=lambda m: "send a photo" in _text(m), within=15
    )
    await world.emulator.wait_until_delivered(within=10)
    reports = await _reports(database)
    assert len(reports) == 1
    answers = [
        m
        for m in world.patient.bot_messages
        if m.message_id > question.message_id and "a little late" not in _text(m)
    ]
    assert answers[-1] is prompt
    assert len(answers) == 2  # what happens next, then the prompt: once each
    alerts = [m for m in world.staff[0].bot_messages if "Reaction report #" in _text(m)]
    assert len(alerts) == 1
    calls = _not_aftercare(world.emulator.calls[sent_before:])
    assert [call.method for call in calls].count("answerCallbackQuery") == 1
    assert press.answered
    mine = [c for c in calls if c.method != "answerCallbackQuery"]
    to_patient = [
        c.params.get("text") for c in mine if c.params.get("chat_id") == world.patient.id
    ]
    assert to_patient == [answers[0].text, prompt.text]

    # The prompt went through the outbox: its row keeps Telegram's id, not its content.
    rows = await _recorded_calls(database, len(calls_before))
    prompt_row = next(row for row in rows if row.sent_message_id == prompt.message_id)
    assert prompt_row.payload == {}
    assert reports[0].prompt_message_id == -(prompt_row.id or 0)

    reply = world.patient.send_text("It is darker since this morning", reply_to=prompt)
    thanks = await world.patient.next_bot_message(after=reply, within=15)
    assert "staff have it" in _text(thanks)
    await world.emulator.wait_until_delivered(within=10)
    async with database.read() as session:
        additions = list((await session.exec(select(ReportAddition))).all())
    assert [addition.text for addition in additions] == ["It is darker since this morning"]
    later = [
        m
        for m in world.patient.bot_messages
        if m.message_id > reply.message_id and "a little late" not in _text(m)
    ]
    assert later == [thanks]


async def test_edits_answers_menus_and_documents_go_through_the_outbox_in_order(
    webhook_care: tuple[CareWorld, MesobotApplication], clock: ManualClock
) -> None:
    """A language chosen: the press answered, the screen edited, the menu set; then the
    calendar file (.ics bytes through the outbox row) with its buttons."""
    world, app = webhook_care
    database = app.bot_data.services.database
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(services, patient_id)
    await world.patient.next_bot_message(where=lambda m: m.document is not None, within=15)
    await world.emulator.wait_until_delivered(within=10)
    calls_before = len(await _calls(database))
    sent_before = len(world.emulator.calls)
    world.patient.send_command("language")
    choice = await world.patient.next_bot_message(
        where=lambda m: "Español" in m.button_labels, within=15
    )
    press = world.patient.press_button("Español", message=choice)
    await world.emulator.wait_for(
        lambda: choice.edit_date is not None and press.answered, within=15
    )
    world.patient.send_command("calendar")
    resent = await world.patient.next_bot_message(
        after=choice, where=lambda m: m.document is not None, within=15
    )
    await world.emulator.wait_until_delivered(within=10)

    made = [call.method for call in world.emulator.calls[sent_before:]]
    expected = ["sendMessage", "answerCallbackQuery", "editMessageText", "setMyCommands"]
    assert [method for method in made if method != "deleteMyCommands"] == [
        *expected,
        "sendDocument",
    ]
    rows = await _recorded_calls(database, calls_before)
    assert len(rows) == len(made)
    assert [row.id for row in rows] == sorted(row.id or 0 for row in rows)
    assert choice.text == language_chosen(translations("es"))
    assert resent.document is not None
    assert resent.document.file_name is not None
    assert resent.document.file_name.endswith(".ics")
    assert resent.document.content.startswith(b"BEGIN:VCALENDAR")


async def test_a_reply_put_off_by_a_failure_is_not_overtaken_by_the_next(
    webhook_care: tuple[CareWorld, MesobotApplication], clock: ManualClock
) -> None:
    """The first of a press's two messages fails (a 500) and waits for its retry: the second
    waits behind it, and the patient reads them in the order the handler sent them."""
    world, app = webhook_care
    database = app.bot_data.services.database
    question = await _sign_question(app, world, clock)
    world.emulator.fail_next("sendMessage", chat_id=world.patient.id)
    label = sample_clinic().care.signs[SIGN].label.in_language("en")
    world.patient.press_button(label, message=question)
    async with asyncio.timeout(15):
        while not any(row.last_error for row in await _calls(database)):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # time for the second to overtake the first, were it let
    assert [m for m in world.patient.bot_messages if m.message_id > question.message_id] == []

    clock.advance(timedelta(seconds=30))  # past the first one's backoff
    prompt = await world.patient.next_bot_message(
        after=question, where=lambda m: "send a photo" in _text(m), within=15
    )
    answers = [m for m in world.patient.bot_messages if m.message_id > question.message_id]
    assert len(answers) == 2
    assert answers[-1] is prompt
    assert "send a photo" not in _text(answers[0])
