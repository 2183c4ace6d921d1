"""Reaction reports as staff see them, without Telegram: /reports' entries with their buttons
and the contact card, which mesobot/handlers/care_reports_staff.py only sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from gettext import NullTranslations

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.additions import addition_counts
from mesobot.care.alerts import alert_text
from mesobot.care.buttons import ReportAck, ReportAdditions, ReportClose, ReportContact
from mesobot.care.models import ReactionReport
from mesobot.care.reports import escalation_exhausted, open_reports
from mesobot.care.subjects import load_subject, patient_contact
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.outbox.policies import RenderedMessage
from mesobot.screens import Row, inline_rows
from mesobot.services import Services
from mesobot.texts import care_staff as staff_texts
from mesobot.texts import escape
from mesobot.texts.splitting import split_html_messages

# /reports shows this many open reports, the most pressing first.
REPORTS_SHOWN = 20


@dataclass(frozen=True)
class ReportEntry:
    """One open report in /reports: its messages (the buttons under the last)."""

    report: ReactionReport
    messages: list[RenderedMessage]


def entry_buttons(t: NullTranslations, row: ReactionReport, additions: int) -> list[Row]:
    """A /reports entry's buttons: Acknowledge while open, Contact, Close; Additions if any."""
    assert row.id is not None
    ack, contact, close = staff_texts.report_buttons(t)
    buttons: Row = [(contact, ReportContact(row.id)), (close, ReportClose(row.id))]
    if row.state == "open":
        buttons.insert(0, (ack, ReportAck(row.id, False)))
    rows = [buttons]
    if additions:
        label = staff_texts.additions_button(t, count=additions)
        rows.append([(label, ReportAdditions(row.id))])
    return rows


async def report_entries(
    session: AsyncSession, services: Services, language: str, now: datetime
) -> list[ReportEntry]:
    """/reports: open reports, unacknowledged-after-every-resend first, then by severity and
    newest; each whole, however long, in parts."""
    t, care = translations(language), services.clinic.care
    rows = (await open_reports(session=session, care=care, now=now))[:REPORTS_SHOWN]
    added = await addition_counts(session, [r.id for r in rows if r.id is not None])
    entries: list[ReportEntry] = []
    for row in rows:
        assert row.id is not None
        text = await alert_text(session, services, row, language, whole=True)
        if escalation_exhausted(row, care=care, now=now):
            text = f"<b>{escape(staff_texts.top_of_reports(t))}</b>\n{text}"
        count, photos = added.get(row.id, (0, 0))
        if count:
            text += "\n" + staff_texts.additions_summary(t, count=count, photos=photos)
        buttons = inline_rows(services.codec, entry_buttons(t, row, count))
        *parts, last = split_html_messages(text.split("\n"))
        messages = [RenderedMessage(part) for part in parts]
        entries.append(ReportEntry(row, [*messages, RenderedMessage(last, buttons)]))
    return entries


async def contact_view(
    session: AsyncSession, report_id: int, language: str
) -> tuple[Patient, RenderedMessage] | None:
    """How to reach a report's patient (Contact patient); None if the report or patient is
    gone."""
    row = await session.get(ReactionReport, report_id)
    patient = await session.get(Patient, row.patient_id) if row else None
    if row is None or patient is None:
        return None
    subject = await load_subject(session, row.appointment_id)
    name, phone = patient_contact(patient, subject.course if subject else None)
    card = staff_texts.contact_card(translations(language), patient=name, phone=escape(phone))
    return patient, RenderedMessage(card)
