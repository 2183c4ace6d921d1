"""/calendar: a patient's current calendar file again; for staff, the next 30 days' sessions.

Both are replies to a command, sent directly rather than through the outbox: the user is
waiting for them, and a failed send is seen at once and can simply be asked for again.
"""

from __future__ import annotations

from sqlmodel import col, select
from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from mesobot.calendar_delivery.delivery import (
    current_patient_file,
    staff_file,
    upcoming_staff_sessions,
)
from mesobot.calendar_feeds.buttons import FeedLink
from mesobot.calendar_feeds.content import initials
from mesobot.calendar_files import STAFF_DAYS
from mesobot.handlers.calendar_feeds import link_rows, on_feed_link
from mesobot.handlers.care_common import data_of
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.languages import language_of
from mesobot.handlers.markup import inline_markup
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.outbox.policies import Document
from mesobot.services import Services
from mesobot.texts import calendar as texts


def _input_file(document: Document) -> InputFile:
    return InputFile(document.content, filename=document.filename)


async def send_staff_calendar(update: Update, context: MesobotContext) -> None:
    """Send staff an .ics of the next 30 days: patients' initials and session codes only."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    t = translations(language)
    async with services.database.read() as session:
        appointments = await upcoming_staff_sessions(session=session, services=services)
    buttons = inline_markup(link_rows(services, language))
    if not appointments:
        await message.reply_text(texts.staff_no_sessions(t, days=STAFF_DAYS), reply_markup=buttons)
        return
    patient_ids = sorted({patient_id for _entry, _code, patient_id in appointments})
    async with services.database.read() as session:
        # The name each patient gave the clinic when booking, reduced to initials.
        rows = await session.exec(
            select(Patient.id, Patient.display_name).where(col(Patient.id).in_(patient_ids))
        )
        names = {patient_id: initials(name, None) for patient_id, name in rows if patient_id}
    document = staff_file(
        services=services, appointments=appointments, initials=names, language=language
    )
    caption = texts.staff_file_caption(t, session_count=len(appointments), days=STAFF_DAYS)
    await message.reply_document(_input_file(document), caption=caption, reply_markup=buttons)


async def send_calendar(update: Update, context: MesobotContext) -> None:
    """Send the patient their current calendar file (staff get the clinic's next 30 days)."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services
    if services.is_staff(user.id):
        await send_staff_calendar(update, context)
        return
    async with services.database.read() as session:
        patient = (
            await session.exec(select(Patient).where(Patient.telegram_user_id == user.id))
        ).first()
        language = patient.language if patient else services.language_for(user.language_code)
        document = await current_patient_file(
            session=session, services=services, telegram_user_id=user.id, language=language
        )
    t = translations(language)
    # A link needs a patient record to show; the feed fills in once sessions are confirmed.
    buttons = inline_markup(link_rows(services, language)) if patient is not None else None
    if document is None:
        await message.reply_text(texts.no_calendar_yet(t), reply_markup=buttons)
        return
    await message.reply_document(
        _input_file(document), caption=texts.resent_file_caption(t), reply_markup=buttons
    )


# /calendar for everyone; it tells staff from patients itself (services.is_staff).
_HANDLERS = [
    CommandHandler("calendar", send_calendar),
    CallbackQueryHandler(on_feed_link, pattern=data_of(FeedLink)),
]


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_HANDLERS)
