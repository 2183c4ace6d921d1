"""/patient: a patient's courses, sessions, questionnaire and the staff actions about them."""

from __future__ import annotations

from gettext import NullTranslations
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import CommandHandler

from mesobot.care.models import ReactionReport
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature, Handler
from mesobot.handlers.markup import inline_markup
from mesobot.handlers.staff_access import clinic_time, language_of, note_views, staff_command
from mesobot.handlers.staff_erase import erase_button, erased_patient_lines
from mesobot.handlers.staff_export import export_button
from mesobot.i18n import translations
from mesobot.models import Appointment, Patient, SessionState
from mesobot.screens import InlineRows, Row, inline_rows
from mesobot.services import Services
from mesobot.staff.agenda import courses_of, find_patients
from mesobot.staff.audit import VIEW_PATIENT, patient_history
from mesobot.staff_notices import patient_label, treatment_label
from mesobot.texts import escape, questionnaire, send_privately
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk
from mesobot.texts.splitting import split_html_messages


async def show_patient(update: Update, context: MesobotContext) -> None:
    """/patient <name, @username or id>: everything staff may need about a patient."""
    staff = await staff_command(update, context)
    if staff is None or update.effective_message is None:
        return
    services, language = context.bot_data.services, language_of(update)
    t = translations(language)
    if update.effective_chat is None or update.effective_chat.type != "private":
        # Health details never go to a group: everyone in it could read them.
        await update.effective_message.reply_text(send_privately(t))
        return
    text = " ".join(context.args or [])
    async with services.database.read() as session:
        patients = await find_patients(session=session, text=text) if text else []
        lines: list[str] = []
        for patient in patients:
            lines += await _patient_lines(session, services, patient, language)
    if not patients:
        await update.effective_message.reply_text(
            desk.no_patient_matches(t, text=escape(text or "…"))
        )
        return
    await note_views(services, staff, VIEW_PATIENT, [patient.id for patient in patients])
    # Export and Erase go under the last part of the view (staff_erase asks again first).
    parts = split_html_messages(lines)
    buttons = inline_markup(_patient_buttons(services, patients, t))
    for number, part in enumerate(parts, start=1):
        await update.effective_message.reply_text(
            part, reply_markup=buttons if number == len(parts) else None
        )


def _patient_buttons(
    services: Services, patients: list[Patient], t: NullTranslations
) -> InlineRows:
    """A row for each patient not erased yet: Export (staff_export), Erase (staff_erase)."""
    rows: list[Row] = []
    for patient in patients:
        row = [export_button(patient, t), erase_button(patient, t)]
        rows.append([button for button in row if button is not None])
    return inline_rows(services.codec, rows)


async def _report_lines(
    session: AsyncSession, services: Services, patient_id: int, t: NullTranslations
) -> list[str]:
    """The patient's reaction reports, newest first, with what staff read them as."""
    query = select(ReactionReport).where(ReactionReport.patient_id == patient_id)
    reports = (await session.exec(query.order_by(col(ReactionReport.created_at).desc()))).all()
    if not reports:
        return []
    signs = services.clinic.care.signs
    lines = ["", desk.reports_heading(t)]
    for report in reports:
        labels = ", ".join(signs[s].staff_label if s in signs else s for s in report.signs)
        lines.append(
            texts.report_line(
                t,
                number=report.id or 0,  # stored rows always have an id
                when=f"{clinic_time(services, report.created_at):%Y-%m-%d %H:%M}",
                label=labels or "—",
                state=str(report.state),
            )
        )
    return lines


async def _no_shows(session: AsyncSession, course_ids: list[int | None]) -> int:
    """How many of these courses' sessions the patient missed."""
    query = select(func.count()).where(
        col(Appointment.course_id).in_(course_ids), Appointment.state == SessionState.NO_SHOW
    )
    return int((await session.exec(query)).one())


async def _patient_lines(
    session: AsyncSession, services: Services, patient: Any, language: str
) -> list[str]:
    t = translations(language)
    phone = patient.phone
    handle = f", @{escape(patient.username)}" if patient.username else ""
    lines = [
        f"<b>{escape(patient_label(patient))}</b>"
        f" (#{patient.id}, Telegram {patient.telegram_user_id}{handle})",
        desk.phone_line(t, escape(phone) if phone else None),
    ]
    if patient.erased_at is not None:
        lines = await erased_patient_lines(session, services, patient, t)
    courses = await courses_of(session=session, patient_id=patient.id)
    lines.append(desk.no_show_count(t, await _no_shows(session, [c.id for c in courses])))
    for course in courses:
        lines.append("")
        lines.append(
            desk.course_heading(
                t,
                course_id=course.id,
                treatment=escape(treatment_label(services.clinic, course.treatment, language)),
                state=texts.state_name(t, course.state),
            )
        )
        query = select(Appointment).where(Appointment.course_id == course.id)
        for a in await session.exec(query.order_by(col(Appointment.number))):
            lines.append(
                f"  {texts.moment_label(a.local_date, a.local_time, language)}"
                f" <code>{escape(a.code)}</code> · {texts.state_name(t, a.state)}"
            )
        lines += [f"  {line}" for line in questionnaire.answer_lines(t, course.answers)]
    lines += await _report_lines(session, services, patient.id, t)
    history = await patient_history(session=session, patient_id=patient.id)
    if history:
        lines += ["", desk.history_heading(t)]
        for entry in history:
            when = clinic_time(services, entry.at)
            action = t.gettext(texts.ACTION_NAMES.get(entry.action, entry.action))
            target = f" #{entry.course_id}" if entry.course_id else ""
            lines.append(
                f"{when:%Y-%m-%d %H:%M} {escape(entry.staff_name)}: {escape(action)}{target}"
            )
    return lines


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_handlers(_services))


def _handlers(_services: Services) -> list[Handler]:
    return [CommandHandler("patient", show_patient)]
