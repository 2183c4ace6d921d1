"""/forget: a patient erases their data, after reading what goes, what stays and until when."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from mesobot.handlers.care_common import data_of, decoded
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.languages import language_of
from mesobot.handlers.markup import inline_markup
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.privacy.erasure import erase_patient, preview_erasure
from mesobot.privacy.erasure_buttons import ForgetChoice, created_stamp
from mesobot.screens import Row, inline_rows
from mesobot.services import Services
from mesobot.texts import erasure as texts
from mesobot.texts.dates import day_label


async def forget(update: Update, context: MesobotContext) -> None:
    """Explain what erasure deletes and keeps, and ask the patient to confirm."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services
    async with services.database.read() as session:
        patient = await _patient_of(session, user.id)
        preview = (
            await preview_erasure(
                session=session, services=services, patient_id=patient.id, now=services.clock.now()
            )
            if patient is not None and patient.id is not None
            else None
        )
    if patient is None or patient.id is None or preview is None:
        t = translations(await language_of(update, services))
        await message.reply_text(texts.nothing_to_forget(t))
        return
    t = translations(patient.language)
    until = preview.keep_until
    yes, no = texts.forget_buttons(t)
    stamp = created_stamp(patient.created_at)
    rows: list[Row] = [
        [(yes, ForgetChoice(patient.id, stamp, erase=True))],
        [(no, ForgetChoice(patient.id, stamp, erase=False))],
    ]
    await message.reply_text(
        texts.forget_explanation(
            t,
            years=services.clinic.retention.clinical_record_years,
            keep_until=day_label(until.date(), patient.language) if until else None,
            future_sessions=preview.future_sessions,
        ),
        reply_markup=inline_markup(inline_rows(services.codec, rows)),
    )


async def on_forget_choice(update: Update, context: MesobotContext) -> None:
    """Erase (or keep) as the patient chose; the confirmation is the last message they get."""
    found = await decoded(update, context, ForgetChoice)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    erased = None
    async with services.database.write() as session:
        patient = await session.get(Patient, data.patient)
        # Only the patient the question was put to, and only while they are that patient.
        mine = (
            patient is not None
            and patient.telegram_user_id == user.id
            and created_stamp(patient.created_at) == data.created
        )
        language = patient.language if patient is not None and mine else None
        if mine and data.erase:
            erased = await erase_patient(
                session=session,
                services=services,
                patient_id=data.patient,
                actor="patient",
                now=services.clock.now(),
            )
    t = translations(language or await language_of(update, services))
    await query.answer()
    if erased is not None:
        await services.database.checkpoint()
        text = texts.forgotten(t, kept=erased.keep_until is not None)
    else:
        text = texts.forget_kept(t) if language else texts.nothing_to_forget(t)
    await query.edit_message_text(text)


async def _patient_of(session: AsyncSession, telegram_user_id: int) -> Patient | None:
    found = await session.exec(select(Patient).where(Patient.telegram_user_id == telegram_user_id))
    return found.first()


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(
        handlers=[
            CommandHandler("forget", forget, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(on_forget_choice, pattern=data_of(ForgetChoice)),
        ]
    )
