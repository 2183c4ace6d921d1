"""Care buttons of patients: reminder answers, check-in answers, and /notifications."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from mesobot import reschedule_asked
from mesobot.care.buttons import CheckInReply, NotificationsChoice, ReminderAnswer
from mesobot.care.models import CarePreference, CheckInAnswer
from mesobot.care.subjects import treatment_healing
from mesobot.handlers.care_common import data_of, decoded
from mesobot.handlers.care_reports_patient import show_signs
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.markup import inline_markup
from mesobot.i18n import translations
from mesobot.models import Appointment, Course, Patient, SessionState
from mesobot.patients import record_patient
from mesobot.privacy.consent import has_consent
from mesobot.screens import Row, inline_rows
from mesobot.services import Services
from mesobot.staff.presence import no_staff_phone
from mesobot.texts import care as texts
from mesobot.texts import consent as consent_texts

_ANSWERS = ("fine", "mild", "unusual")


async def _owned(
    session: AsyncSession, appointment_id: int, user_id: int
) -> tuple[Appointment, Patient, Course] | None:
    """The session, its patient and course, if it belongs to this Telegram user."""
    appointment = await session.get(Appointment, appointment_id)
    course = await session.get(Course, appointment.course_id) if appointment else None
    patient = await session.get(Patient, course.patient_id) if course else None
    if appointment is None or course is None or patient is None:
        return None
    if patient.telegram_user_id != user_id:
        return None
    return appointment, patient, course


async def on_reminder_answer(update: Update, context: MesobotContext) -> None:
    """Store "I'll be there" / "I need to move it" on the session for staff's /agenda."""
    found = await decoded(update, context, ReminderAnswer)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    async with services.database.write() as session:
        owned = await _owned(session, data.appointment_id, user.id)
        if owned is not None and owned[0].state == SessionState.CONFIRMED:
            answer = "attending" if data.attending else "reschedule"
            if answer == "reschedule" and owned[0].patient_answer != answer:
                await reschedule_asked.tell_staff(
                    session=session,
                    services=services,
                    appointment=owned[0],
                    now=services.clock.now(),
                )
            owned[0].patient_answer = answer
            session.add(owned[0])
    if owned is None:
        await query.answer()
        return
    appointment, patient, _course = owned
    t = translations(patient.language)
    if appointment.state != SessionState.CONFIRMED:
        await query.answer(texts.reminder_gone(t), show_alert=True)
        return
    await query.answer()
    if query.message is not None:
        answered = texts.reminder_answered(
            t, attending=data.attending, no_staff_phone=no_staff_phone(services)
        )
        await context.bot.send_message(query.message.chat.id, answered)


async def on_check_in_answer(update: Update, context: MesobotContext) -> None:
    """Record a check-in answer; "Something unusual" opens a report about that session."""
    found = await decoded(update, context, CheckInReply)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    now = services.clock.now()
    if not 0 <= data.answer < len(_ANSWERS):
        await query.answer()
        return
    async with services.database.write() as session:
        owned = await _owned(session, data.appointment_id, user.id)
        if owned is not None:
            await _store_check_in_answer(session, data, now)
    if owned is None:
        await query.answer()
        return
    patient = owned[1]
    await query.answer()

    t = translations(patient.language)
    if query.message is None:
        return
    if data.answer == 2:
        await show_signs(query.message, services, patient.language, data.appointment_id)
    else:
        healing = treatment_healing(services.clinic, owned[2].treatment, patient.language)
        await context.bot.send_message(
            query.message.chat.id,
            texts.check_in_thanks(t, mild=data.answer == 1, healing=healing),
        )


async def _store_check_in_answer(session: AsyncSession, data: CheckInReply, now: datetime) -> None:
    """Keep the patient's answer to one day's check-in (a second tap replaces the first)."""
    answer = (
        await session.exec(
            select(CheckInAnswer).where(
                CheckInAnswer.appointment_id == data.appointment_id,
                CheckInAnswer.day == data.day,
            )
        )
    ).first() or CheckInAnswer(appointment_id=data.appointment_id, day=data.day, answer="")
    answer.answer, answer.answered_at = _ANSWERS[data.answer], now
    session.add(answer)


def _notifications_markup(
    context: MesobotContext, language: str, *, paused: bool
) -> InlineKeyboardMarkup | None:
    label = texts.notifications_button(translations(language), paused=paused)
    rows: list[Row] = [[(label, NotificationsChoice(pause=not paused))]]
    return inline_markup(inline_rows(context.bot_data.services.codec, rows))


async def notifications(update: Update, context: MesobotContext) -> None:
    """Show whether tips and check-ins are paused, with a button to flip it."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services
    async with services.database.write() as session:
        patient = await record_patient(
            session=session,
            telegram_user_id=user.id,
            language=services.language_for(user.language_code),
            now=services.clock.now(),
        )
        preference = await session.get(CarePreference, patient.id)
    if not has_consent(patient):
        await message.reply_text(consent_texts.care_off(translations(patient.language)))
        return
    paused = bool(preference and preference.tips_paused)
    await message.reply_text(
        texts.notifications_state(translations(patient.language), paused=paused),
        reply_markup=_notifications_markup(context, patient.language, paused=paused),
    )


async def on_notifications_choice(update: Update, context: MesobotContext) -> None:
    """Pause or resume tips and check-ins (report follow-ups are never paused)."""
    found = await decoded(update, context, NotificationsChoice)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    now = services.clock.now()
    async with services.database.write() as session:
        patient = await record_patient(
            session=session,
            telegram_user_id=user.id,
            language=services.language_for(user.language_code),
            now=now,
        )
        assert patient.id is not None
        preference = await session.get(CarePreference, patient.id) or CarePreference(
            patient_id=patient.id, changed_at=now
        )
        preference.tips_paused, preference.changed_at = data.pause, now
        session.add(preference)
    await query.answer()
    if query.message is not None and not has_consent(patient):
        await query.edit_message_text(consent_texts.care_off(translations(patient.language)))
    elif query.message is not None:
        await query.edit_message_text(
            texts.notifications_state(translations(patient.language), paused=data.pause),
            reply_markup=_notifications_markup(context, patient.language, paused=data.pause),
        )


_HANDLERS = [
    CommandHandler("notifications", notifications, filters=filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_reminder_answer, pattern=data_of(ReminderAnswer)),
    CallbackQueryHandler(on_check_in_answer, pattern=data_of(CheckInReply)),
    CallbackQueryHandler(on_notifications_choice, pattern=data_of(NotificationsChoice)),
]


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_HANDLERS)
