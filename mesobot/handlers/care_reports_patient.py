"""Reaction reports, the patient's side: /report, the signs, and the photos and descriptions
added afterwards."""

from __future__ import annotations

from telegram import (
    ForceReply,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from mesobot.care.additions import add_to_report, report_sign
from mesobot.care.buttons import ReportSign
from mesobot.care.chooser import chooser_text, emergency_advice, ordered_signs
from mesobot.care.config import Severity
from mesobot.care.models import ReactionReport
from mesobot.care.reports import latest_open_report, reported_session
from mesobot.care.subjects import load_subject
from mesobot.care.timing import next_opening
from mesobot.handlers.care_common import data_of, decoded
from mesobot.handlers.care_reports_staff import on_close_note, services_is_staff_note
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.markup import inline_markup
from mesobot.handlers.queued_calls import queued_message_ids
from mesobot.i18n import translations
from mesobot.patients import language_of, record_patient
from mesobot.scheduling.localtime import zone_named
from mesobot.screens import inline_rows
from mesobot.services import Services
from mesobot.staff.presence import no_staff_phone
from mesobot.texts import care as texts
from mesobot.texts.dates import moment_label


async def show_signs(
    message: MaybeInaccessibleMessage | Message,
    services: Services,
    language: str,
    appointment_id: int,
) -> None:
    """Ask which sign the patient sees, in plain words (never the possible reaction)."""
    rows = inline_rows(
        services.codec,
        [
            [(sign.label.in_language(language), ReportSign(appointment_id, key))]
            for key, sign in ordered_signs(services.clinic)
        ],
    )
    # Sent to the chat, not as a reply: the message may no longer be accessible.
    await message.get_bot().send_message(
        message.chat.id,
        chooser_text(services.clinic, language, staffed=no_staff_phone(services) is None),
        reply_markup=inline_markup(rows),
    )


async def report(update: Update, context: MesobotContext) -> None:
    """/report: start a report about the patient's latest session."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
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
        appointment = await reported_session(session=session, patient_id=patient.id, now=now)
    appointment_id = appointment.id if appointment and appointment.id else 0
    await show_signs(message, services, patient.language, appointment_id)


def _what_happens_next(services: Services, language: str) -> str:
    now = services.clock.now()
    clinic = services.clinic
    opens = next_opening(now, clinic=clinic)
    opens_text = None
    if opens is not None and opens != now:
        local = opens.astimezone(zone_named(clinic.clinic.timezone))
        opens_text = moment_label(local.date(), local.time(), language)
    return texts.report_received(
        translations(language),
        open_now=opens == now,
        opens=opens_text,
        phone=clinic.clinic.phone,
        # Only the number the clinic file gives for emergencies: never the clinic's own.
        emergency_phone=clinic.clinic.emergency_phone,
        no_staff_phone=no_staff_phone(services),
    )


async def on_sign(update: Update, context: MesobotContext) -> None:
    """A sign chosen: emergency advice first for allergic signs, then store and alert staff."""
    found = await decoded(update, context, ReportSign)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    key = services.clinic.care.sign_key(data.sign)
    sign = services.clinic.care.signs[key] if key is not None else None
    if key is None or sign is None or query.message is None:
        await query.answer()
        return
    chat_id = query.message.chat.id
    if sign.level == Severity.EMERGENCY:
        # Before anything else, even the database: this is what the patient must read first.
        async with services.database.read() as session:
            language = await language_of(
                session=session,
                telegram_user_id=user.id,
                declared=services.clinic.clinic.languages,
            )
        advice = emergency_advice(services.clinic, language)
        await context.bot.send_message(chat_id, f"<b>{advice}</b>")
    await query.answer()
    now = services.clock.now()
    async with services.database.write() as session:
        patient = await record_patient(
            session=session,
            telegram_user_id=user.id,
            language=services.clinic.clinic.languages[0],
            now=now,
        )
        appointment_id: int | None = data.appointment_id or None
        subject = await load_subject(session, appointment_id)
        if subject is None or subject.patient.id != patient.id:
            appointment_id = None  # a stale or foreign session: keep the report, unattached
        stored, _new = await report_sign(
            session=session,
            services=services,
            patient=patient,
            appointment_id=appointment_id,
            sign=key,
            now=now,
        )
        language = patient.language
    t = translations(language)
    await context.bot.send_message(chat_id, _what_happens_next(services, language))
    prompt = await context.bot.send_message(
        chat_id, texts.add_details(t), reply_markup=ForceReply(selective=True)
    )
    async with services.database.write() as session:
        row = await session.get(ReactionReport, stored.id)
        if row is not None:
            row.prompt_message_id = prompt.message_id
            session.add(row)


async def on_detail(update: Update, context: MesobotContext) -> bool:
    """A photo, or a reply to the report prompt, added to the patient's latest report.

    Returns whether the message was care's to answer.
    """
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or services_is_staff_note(update, context):
        return False
    services = context.bot_data.services
    now = services.clock.now()
    photo = message.photo[-1].file_id if message.photo else None
    description = (message.caption if photo else message.text) or None
    async with services.database.write() as session:
        patient = await record_patient(
            session=session,
            telegram_user_id=user.id,
            language=services.clinic.clinic.languages[0],
            now=now,
        )
        assert patient.id is not None
        target = await latest_open_report(session=session, patient_id=patient.id, now=now)
        replied = message.reply_to_message
        if photo is None and (
            target is None
            or replied is None
            # In webhook mode the prompt was stored under its queued call's stand-in id.
            or target.prompt_message_id
            not in await queued_message_ids(
                session=session, chat_id=message.chat.id, message_id=replied.message_id
            )
        ):
            return False  # a text that is not an answer to our prompt is another feature's
        if target is not None:
            await add_to_report(
                session=session,
                services=services,
                report=target,
                now=now,
                photo_file_id=photo,
                text=description,
            )
    t = translations(patient.language)
    await message.reply_text(
        texts.detail_added(t, no_staff_phone=no_staff_phone(services))
        if target
        else texts.no_report_to_add_to(t)
    )
    return True


async def on_care_message(update: Update, context: MesobotContext) -> None:
    """A staff reply closes a report; a patient's photo or reply adds to theirs.

    What care answers goes no further (ApplicationHandlerStop), so that the booking flow does
    not answer the same message as if it were meant for its current step.
    """
    if await on_close_note(update, context) or await on_detail(update, context):
        raise ApplicationHandlerStop


def feature(_services: Services) -> Feature:
    """/report and its signs; first of all, photos and replies that belong to a report."""
    return Feature(
        handlers=[
            CommandHandler("report", report, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(on_sign, pattern=data_of(ReportSign)),
        ],
        # Before every other handler: they act only on a photo, a reply to a report prompt,
        # or a staff reply to a close prompt, and stop the update there when they do.
        first=[
            MessageHandler(
                filters.ChatType.PRIVATE
                & (filters.PHOTO | (filters.REPLY & filters.TEXT & ~filters.COMMAND)),
                on_care_message,
            ),
        ],
    )
