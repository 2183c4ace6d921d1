"""/clinic and "Talk to a person": the clinic one tap away, from the clinic file."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from mesobot.clinic_contact import TalkToPerson, request_call
from mesobot.handlers.care_common import data_of, decoded
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.languages import language_of
from mesobot.handlers.markup import inline_markup
from mesobot.i18n import translations
from mesobot.patients import record_patient
from mesobot.scheduling.localtime import zone_named
from mesobot.screens import Row, inline_rows
from mesobot.services import Services
from mesobot.texts import clinic as texts

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def talk_markup(services: Services, language: str) -> InlineKeyboardMarkup | None:
    """The one-button keyboard that asks the clinic to call."""
    rows: list[Row] = [[(texts.talk_label(translations(language)), TalkToPerson())]]
    return inline_markup(inline_rows(services.codec, rows))


def clinic_text(services: Services, language: str) -> str:
    """The card of /clinic: address, phone, today's hours and the week's."""
    clinic, hours, t = (
        services.clinic.clinic,
        services.clinic.opening_hours,
        translations(language),
    )
    week = [
        (texts.weekday_name(n, language), texts.hours_text(t, getattr(hours, day)))
        for n, day in enumerate(WEEKDAYS)
    ]
    today = services.clock.now().astimezone(zone_named(clinic.timezone)).weekday()
    return texts.clinic_card(
        t,
        name=clinic.name,
        address=clinic.address,
        phone=clinic.phone,
        week=week,
        today=week[today][1],
    )


async def show_clinic(update: Update, context: MesobotContext) -> None:
    """/clinic: the map pin when the clinic file places it, then the card with Talk to a person."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    clinic = services.clinic.clinic
    if clinic.latitude is not None and clinic.longitude is not None:
        await message.reply_venue(
            latitude=clinic.latitude,
            longitude=clinic.longitude,
            title=clinic.name,
            address=clinic.address or clinic.name,
        )
    await message.reply_text(
        clinic_text(services, language), reply_markup=talk_markup(services, language)
    )


async def on_talk(update: Update, context: MesobotContext) -> None:
    """Talk to a person: the phone number, and staff told privately to call back."""
    found = await decoded(update, context, TalkToPerson)
    if found is None:
        return
    query, user, _data = found
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
        await request_call(session=session, services=services, patient_id=patient.id, now=now)
    staff = bool(services.settings.mesobot_staff_ids)
    await query.answer()
    await context.bot.send_message(
        user.id,
        texts.call_requested(
            translations(patient.language), phone=services.clinic.clinic.phone, staff=staff
        ),
    )


def feature(_services: Services) -> Feature:
    """/clinic and the Talk to a person button."""
    return Feature(
        handlers=[
            CommandHandler("clinic", show_clinic, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(on_talk, pattern=data_of(TalkToPerson)),
        ]
    )
