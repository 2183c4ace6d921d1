"""/mydata: a patient gets a summary of what is stored about them, and all of it as JSON."""

from __future__ import annotations

from gettext import NullTranslations

from sqlmodel import select
from telegram import InputFile, Update
from telegram.ext import CommandHandler, filters

from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.languages import language_of
from mesobot.handlers.staff_access import clinic_time
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.privacy.export import PatientExport, collect_export, staff_accesses, stored_counts
from mesobot.services import Services
from mesobot.texts import mydata as texts
from mesobot.texts.splitting import split_html_messages


async def mydata(update: Update, context: MesobotContext) -> None:
    """The summary (what, why, how long, which staff looked), then the JSON document."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services
    async with services.database.read() as session:
        found = await session.exec(select(Patient.id).where(Patient.telegram_user_id == user.id))
        patient_id = found.first()
        export = (
            await collect_export(
                session=session,
                clinic=services.clinic,
                patient_id=patient_id,
                now=services.clock.now(),
            )
            if patient_id is not None
            else None
        )
    if export is None:
        t = translations(await language_of(update, services))
        await message.reply_text(texts.nothing_stored(t))
        return
    t = translations(export.language)
    for part in split_html_messages(summary_lines(services, export, t)):
        await message.reply_text(part)
    await message.reply_document(export_file(export), caption=texts.file_caption(t))


def summary_lines(services: Services, export: PatientExport, t: NullTranslations) -> list[str]:
    """The readable summary of an export, in the patient's language."""
    accesses = [
        (f"{clinic_time(services, access.at):%Y-%m-%d %H:%M}", access.staff_name, access.action)
        for access in staff_accesses(export)
    ]
    return [
        *texts.stored_lines(t, stored_counts(export)),
        *texts.why_and_how_long_lines(t, services.clinic.retention),
        *texts.access_lines(t, accesses),
        *texts.choice_lines(t),
    ]


def export_file(export: PatientExport) -> InputFile:
    """The export as the file Telegram sends."""
    return InputFile(export.content(), filename=export.filename)


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=[CommandHandler("mydata", mydata, filters=filters.ChatType.PRIVATE)])
