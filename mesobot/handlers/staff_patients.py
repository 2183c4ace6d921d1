"""/patient: a patient's courses, sessions, questionnaire and the staff actions about them
(the view itself is built in mesobot/staff/patient_view.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature, Handler
from mesobot.handlers.staff_access import language_of, markup, note_views, staff_command
from mesobot.i18n import translations
from mesobot.services import Services
from mesobot.staff.agenda import find_patients
from mesobot.staff.audit import VIEW_PATIENT
from mesobot.staff.patient_view import patient_view
from mesobot.texts import escape, send_privately
from mesobot.texts import staff_desk as desk


async def show_patient(update: Update, context: MesobotContext) -> None:
    """/patient <name, @username or id>: everything staff may need about a patient."""
    staff = await staff_command(update, context)
    if staff is None or update.effective_message is None:
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    t = translations(language)
    if update.effective_chat is None or update.effective_chat.type != "private":
        # Health details never go to a group: everyone in it could read them.
        await update.effective_message.reply_text(send_privately(t))
        return
    text = " ".join(context.args or [])
    async with services.database.read() as session:
        patients = await find_patients(session=session, text=text) if text else []
        messages = await patient_view(session, services, patients, language)
    if not patients:
        await update.effective_message.reply_text(
            desk.no_patient_matches(t, text=escape(text or "…"))
        )
        return
    await note_views(services, staff, VIEW_PATIENT, [patient.id for patient in patients])
    # Export and Erase go under the last part of the view (staff_erase asks again first).
    for rendered in messages:
        await update.effective_message.reply_text(rendered.text, reply_markup=markup(rendered))


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_handlers(_services))


def _handlers(_services: Services) -> list[Handler]:
    return [CommandHandler("patient", show_patient)]
