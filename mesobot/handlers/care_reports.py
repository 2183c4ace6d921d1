"""Reaction reports: /report and its signs, photos and descriptions; /reports and the staff
buttons Acknowledge, I'll call the patient, Contact patient and Close (with a note)."""

from __future__ import annotations

import re

from babel.dates import format_datetime
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
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

from mesobot.care.alerts import alert_text
from mesobot.care.buttons import ReportAck, ReportClose, ReportContact, ReportSign
from mesobot.care.config import Severity
from mesobot.care.models import ReactionReport
from mesobot.care.reports import (
    acknowledge,
    add_detail,
    close_report,
    create_report,
    escalation_exhausted,
    latest_open_report,
    open_reports,
    reported_session,
)
from mesobot.care.subjects import load_subject, patient_contact
from mesobot.care.timing import next_opening
from mesobot.handlers.care_common import data_of, decoded
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.patients import record_patient
from mesobot.scheduling.localtime import zone_named
from mesobot.services import MesobotContext, Services
from mesobot.texts import care as texts
from mesobot.texts import escape

_REPORT_NUMBER = re.compile(r"#(\d+)")


async def show_signs(
    message: MaybeInaccessibleMessage | Message,
    services: Services,
    language: str,
    appointment_id: int,
) -> None:
    """Ask which sign the patient sees, in plain words (never the possible reaction)."""
    rows = [
        [
            InlineKeyboardButton(
                sign.label.in_language(language),
                callback_data=services.codec.encode(ReportSign(appointment_id, key)),
            )
        ]
        for key, sign in services.clinic.care.signs.items()
    ]
    await services_bot_reply(message, texts.choose_sign(translations(language)), rows)


async def services_bot_reply(
    message: MaybeInaccessibleMessage | Message,
    text: str,
    rows: list[list[InlineKeyboardButton]],
) -> None:
    """Reply in the message's chat, whether or not the message is still accessible."""
    await message.get_bot().send_message(
        message.chat.id, text, reply_markup=InlineKeyboardMarkup(rows)
    )


async def report(update: Update, context: MesobotContext) -> None:
    """/report: start a report about the patient's latest session."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services
    now = services.clock.now()
    async with services.database.transaction() as session:
        patient = await record_patient(
            session=session, telegram_user_id=user.id, language_code=user.language_code, now=now
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
        opens_text = format_datetime(local, "EEEE d MMMM, HH:mm", locale=language)
    return texts.report_received(
        translations(language),
        open_now=opens == now,
        opens=opens_text,
        phone=clinic.clinic.phone,
        emergency_phone=clinic.clinic.emergency_phone or clinic.clinic.phone,
    )


async def on_sign(update: Update, context: MesobotContext) -> None:
    """A sign chosen: emergency advice first for allergic signs, then store and alert staff."""
    found = await decoded(update, context, ReportSign)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    sign = services.clinic.care.signs.get(data.sign)
    if sign is None or query.message is None:
        await query.answer()
        return
    chat_id = query.message.chat.id
    if sign.level == Severity.EMERGENCY:
        # Before anything else, even the database: this is what the patient must read first.
        async with services.database.sessions() as session:
            language = await _language_of(session, user.id)
        advice = escape(services.clinic.care.texts.emergency.in_language(language)).replace(
            "{emergency_phone}", escape(services.clinic.clinic.emergency_phone)
        )
        await context.bot.send_message(chat_id, f"<b>{advice}</b>")
    await query.answer()
    now = services.clock.now()
    async with services.database.transaction() as session:
        patient = await record_patient(
            session=session, telegram_user_id=user.id, language_code=None, now=now
        )
        appointment_id: int | None = data.appointment_id or None
        subject = await load_subject(session, appointment_id)
        if subject is None or subject.patient.id != patient.id:
            appointment_id = None  # a stale or foreign session: keep the report, unattached
        stored, _new = await create_report(
            session=session,
            services=services,
            patient=patient,
            appointment_id=appointment_id,
            sign=data.sign,
            now=now,
        )
        language = patient.language
    t = translations(language)
    await context.bot.send_message(chat_id, _what_happens_next(services, language))
    prompt = await context.bot.send_message(
        chat_id, texts.add_details(t), reply_markup=ForceReply(selective=True)
    )
    async with services.database.transaction() as session:
        row = await session.get(ReactionReport, stored.id)
        if row is not None:
            row.prompt_message_id = prompt.message_id
            session.add(row)


async def _language_of(session: AsyncSession, user_id: int) -> str:
    language = (
        await session.exec(select(Patient.language).where(Patient.telegram_user_id == user_id))
    ).first()
    return language or "en"


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
    async with services.database.transaction() as session:
        patient = await record_patient(
            session=session, telegram_user_id=user.id, language_code=None, now=now
        )
        assert patient.id is not None
        target = await latest_open_report(session=session, patient_id=patient.id, now=now)
        replied = message.reply_to_message
        if photo is None and (
            target is None or replied is None or replied.message_id != target.prompt_message_id
        ):
            return False  # a text that is not an answer to our prompt is another feature's
        if target is not None:
            await add_detail(
                session=session,
                services=services,
                report=target,
                now=now,
                photo_file_id=photo,
                description=description,
            )
    t = translations(patient.language)
    await message.reply_text(texts.detail_added(t) if target else texts.no_report_to_add_to(t))
    return True


def services_is_staff_note(update: Update, context: MesobotContext) -> bool:
    """Whether this message is a staff member's closing note (handled by on_close_note)."""
    user, message = update.effective_user, update.effective_message
    services = context.bot_data.services
    return bool(
        user
        and message
        and services.is_staff(user.id)
        and message.reply_to_message is not None
        and message.text
        and not message.photo
        and _REPORT_NUMBER.search(message.reply_to_message.text or "")
    )


async def reports(update: Update, context: MesobotContext) -> None:
    """/reports (staff): open reports, unacknowledged-after-every-resend first, then by
    severity and newest."""
    user, message = update.effective_user, update.effective_message
    services = context.bot_data.services
    if user is None or message is None:
        return
    if not services.is_staff(user.id):
        await message.reply_text(texts.staff_only(translations("en")))
        return
    now = services.clock.now()
    language = "en"
    async with services.database.sessions() as session:
        language = await _language_of(session, user.id)
        rows = await open_reports(session=session, care=services.clinic.care, now=now)
        entries = [(r, await alert_text(session, services, r, language)) for r in rows[:20]]
    t = translations(language)
    if not entries:
        await message.reply_text(texts.no_open_reports(t))
        return
    ack, contact, close = texts.report_buttons(t)
    for row, text in entries:
        assert row.id is not None
        if escalation_exhausted(row, care=services.clinic.care, now=now):
            text = f"<b>{escape(texts.top_of_reports(t))}</b>\n{text}"
        codec = services.codec
        buttons = [
            InlineKeyboardButton(contact, callback_data=codec.encode(ReportContact(row.id))),
            InlineKeyboardButton(close, callback_data=codec.encode(ReportClose(row.id))),
        ]
        if row.state == "open":
            ack_data = codec.encode(ReportAck(row.id, False))
            buttons.insert(0, InlineKeyboardButton(ack, callback_data=ack_data))
        await message.reply_text(text, reply_markup=InlineKeyboardMarkup([buttons]))


async def _staff_query(update: Update, context: MesobotContext) -> bool:
    user = update.effective_user
    if user is not None and context.bot_data.services.is_staff(user.id):
        return True
    if update.callback_query is not None:
        await update.callback_query.answer()
    return False


async def on_acknowledge(update: Update, context: MesobotContext) -> None:
    """Acknowledge (or take the call for) a report: re-sends stop, the patient is told."""
    if not await _staff_query(update, context):
        return
    found = await decoded(update, context, ReportAck)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    async with services.database.transaction() as session:
        language = await _language_of(session, user.id)
        result = await acknowledge(
            session=session,
            report_id=data.report_id,
            staff_id=user.id,
            call=data.call,
            now=services.clock.now(),
        )
    t = translations(language)
    if result is None:
        await query.answer(texts.acknowledged_by_other(t), show_alert=True)
        return
    await query.answer(texts.acknowledged(t, call=data.call), show_alert=True)


async def on_contact(update: Update, context: MesobotContext) -> None:
    """Show staff how to reach a report's patient."""
    if not await _staff_query(update, context):
        return
    found = await decoded(update, context, ReportContact)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    async with services.database.sessions() as session:
        language = await _language_of(session, user.id)
        row = await session.get(ReactionReport, data.report_id)
        patient = await session.get(Patient, row.patient_id) if row else None
        subject = await load_subject(session, row.appointment_id if row else None)
    await query.answer()
    if patient is None or query.message is None:
        return
    name, phone = patient_contact(patient, subject.course if subject else None)
    await context.bot.send_message(
        user.id, texts.contact_card(translations(language), patient=name, phone=escape(phone))
    )


async def on_close(update: Update, context: MesobotContext) -> None:
    """Ask for the closing note, as a reply (ForceReply also works in groups)."""
    if not await _staff_query(update, context):
        return
    found = await decoded(update, context, ReportClose)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    async with services.database.sessions() as session:
        language = await _language_of(session, user.id)
    await query.answer()
    await context.bot.send_message(
        user.id,
        texts.close_prompt(translations(language), report_id=data.report_id),
        reply_markup=ForceReply(selective=True),
    )


async def on_close_note(update: Update, context: MesobotContext) -> None:
    """A staff member's reply to a close prompt closes that report with the note."""
    if not services_is_staff_note(update, context):
        return
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    assert message.reply_to_message is not None
    services = context.bot_data.services
    match = _REPORT_NUMBER.search(message.reply_to_message.text or "")
    assert match is not None
    report_id = int(match.group(1))
    async with services.database.transaction() as session:
        language = await _language_of(session, user.id)
        t = translations(language)
        # Only a reply to our own prompt counts, not to an alert that also shows "#n".
        if message.reply_to_message.text != texts.close_prompt(t, report_id=report_id):
            return
        closed = await close_report(
            session=session,
            report_id=report_id,
            staff_id=user.id,
            note=message.text or "",
            now=services.clock.now(),
        )
    if closed is not None:
        await message.reply_text(texts.report_closed(t, report_id=report_id))


async def on_care_message(update: Update, context: MesobotContext) -> None:
    """A staff reply closes a report; a patient's photo or reply adds to theirs.

    What care answers goes no further (ApplicationHandlerStop), so that the booking flow does
    not answer the same message as if it were meant for its current step.
    """
    if services_is_staff_note(update, context):
        await on_close_note(update, context)
        raise ApplicationHandlerStop
    if await on_detail(update, context):
        raise ApplicationHandlerStop


HANDLERS = [
    CommandHandler("report", report, filters=filters.ChatType.PRIVATE),
    CommandHandler("reports", reports, filters=filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_sign, pattern=data_of(ReportSign)),
    CallbackQueryHandler(on_acknowledge, pattern=data_of(ReportAck)),
    CallbackQueryHandler(on_contact, pattern=data_of(ReportContact)),
    CallbackQueryHandler(on_close, pattern=data_of(ReportClose)),
]

# In group -1, before every other handler: they act only on a photo, a reply to a report prompt,
# or a staff reply to a close prompt, and stop the update there when they do.
DETAIL_HANDLERS = [
    MessageHandler(
        filters.ChatType.PRIVATE
        & (filters.PHOTO | (filters.REPLY & filters.TEXT & ~filters.COMMAND)),
        on_care_message,
    ),
]
