"""Retention in the running bot: the job the clock's jumps trigger keeps each kind of data
the day before its limit and removes it the day after (the rules' edges are in
test_retention_rules; here the real booking, report and staff actions make the data)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from botapi_emulator.state import Message
from mesobot.care.models import ReactionReport
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from mesobot.models import FlowDraft
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.scheduling.localtime import utc_instant, zone_named
from mesobot.staff.models import AuditEntry
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.factories import sample_clinic

DAY = timedelta(days=1)


def _text(message: Message) -> str:
    return message.text or message.caption or ""


class RetentionRuns:
    """Moves the clock and waits for the retention run that the jump triggers."""

    def __init__(self, world: CareWorld, clock: ManualClock, caplog: pytest.LogCaptureFixture):
        self.world, self.clock, self.caplog = world, clock, caplog
        caplog.set_level(logging.INFO, logger="mesobot.handlers.retention")

    def _runs(self) -> int:
        return sum(1 for r in self.caplog.records if r.getMessage().startswith("Retention:"))

    async def at(self, instant: datetime) -> None:
        before = self._runs()
        self.clock.set(instant)
        await self.world.emulator.wait_for(lambda: self._runs() > before)


async def _report_closed_with_photo(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """After the session the patient reports nausea with a photo; Marta closes it."""
    clock.set(utc_instant(date(2026, 12, 3), time(11, 0), zone_named("Europe/Madrid")))
    await world.emulator.wait_until_delivered()
    world.patient.send_command("report")
    question = await world.patient.next_bot_message(where=lambda m: "What do you see" in _text(m))
    label = sample_clinic().care.signs["nausea"].label.in_language("en")
    world.patient.press_button(label, message=question)
    await world.patient.next_bot_message(where=lambda m: "send a photo" in _text(m))
    world.patient.send_photo(caption="since this morning")
    marta = world.staff[0]
    await marta.next_bot_message(where=lambda m: m.photo is not None)
    marta.send_command("reports")
    entry = await marta.next_bot_message(where=lambda m: "Close" in m.button_labels)
    marta.press_button("Close", message=entry)
    prompt = await marta.next_bot_message(after=entry, where=lambda m: "note to close" in _text(m))
    reply = marta.send_text("Called her, settling", reply_to=prompt)
    await marta.next_bot_message(after=reply, where=lambda m: "is closed" in _text(m))


async def test_the_running_bot_removes_each_kind_of_data_at_its_limit(
    app: MesobotApplication,
    world: CareWorld,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    services, limits = app.bot_data.services, app.bot_data.services.clinic.retention
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(services, patient_id)  # its calendar file is sent now
    await world.patient.next_bot_message(where=lambda m: m.document is not None)
    world.patient.send_command("start")  # a booking begun and left: a draft
    await world.patient.next_bot_message(where=lambda m: "18" in _text(m))  # the age step
    await _report_closed_with_photo(app, world, clock)
    async with services.database.read() as session:
        draft = (await session.exec(select(FlowDraft))).one()
        first_sent = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.state == MessageState.SENT)
                .order_by(col(OutboxMessage.sent_at))
            )
        ).first()
        report = (await session.exec(select(ReactionReport))).one()
        audit = (await session.exec(select(AuditEntry).order_by(col(AuditEntry.at)))).first()
    assert first_sent is not None
    assert first_sent.sent_at is not None
    assert report.closed_at is not None
    assert audit is not None
    runs = RetentionRuns(world, clock, caplog)

    async def draft_kept() -> bool:
        async with services.database.read() as session:
            return await session.get(FlowDraft, (draft.patient_id, draft.flow)) is not None

    draft_limit = draft.expires_at + timedelta(days=limits.draft_days)
    await runs.at(draft_limit - DAY)
    assert await draft_kept()
    await runs.at(draft_limit + DAY)
    assert not await draft_kept()

    async def message_kept() -> bool:
        async with services.database.read() as session:
            return await session.get(OutboxMessage, first_sent.id) is not None

    message_limit = first_sent.sent_at + timedelta(days=limits.delivered_message_days)
    await runs.at(message_limit - DAY)
    assert await message_kept()
    await runs.at(message_limit + DAY)
    assert not await message_kept()

    async def report_photo() -> tuple[str | None, str | None]:
        async with services.database.read() as session:
            row = await session.get(ReactionReport, report.id)
            assert row is not None  # the clinical record of the report stays
            return row.photo_file_id, row.description

    photo_limit = report.closed_at + timedelta(days=limits.photo_days)
    await runs.at(photo_limit - DAY)
    assert (await report_photo())[0] is not None
    await runs.at(photo_limit + DAY)
    assert await report_photo() == (None, None)

    async def audit_about() -> int | None:
        async with services.database.read() as session:
            entry = await session.get(AuditEntry, audit.id)
            assert entry is not None  # who did what, and when, stays
            return entry.patient_id

    audit_limit = audit.at.astimezone(UTC).replace(year=audit.at.year + limits.audit_years)
    await runs.at(audit_limit - DAY)
    assert await audit_about() == patient_id
    await runs.at(audit_limit + DAY)
    assert await audit_about() is None
