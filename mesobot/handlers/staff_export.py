"""Staff's Export in /patient: a patient's whole export, sent to the presser's private chat.

For requests made by phone or email. The export is recorded in the audit log (`export:patient`,
ids only) in the transaction that reads it, so the patient's own /mydata shows who made it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from mesobot.handlers.care_common import data_of
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.mydata import export_file
from mesobot.handlers.staff_access import language_of, staff_press
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.privacy.erasure_buttons import created_stamp
from mesobot.privacy.export import collect_export
from mesobot.privacy.export_buttons import StaffExport
from mesobot.services import Services
from mesobot.staff.audit import record_action
from mesobot.texts import mydata as texts

EXPORT_ACTION = "export:patient"


async def on_staff_export(update: Update, context: MesobotContext) -> None:
    """Record the export, then send the file to the staff member's own private chat."""
    pressed = await staff_press(update, context)
    if pressed is None:
        return
    staff, data, query = pressed
    await query.answer()
    if not isinstance(data, StaffExport):
        return
    services, t = (
        context.bot_data.services,
        translations(await language_of(update, context.bot_data.services)),
    )
    now, export = services.clock.now(), None
    async with services.database.write() as session:
        patient = await session.get(Patient, data.patient)
        if patient is not None and created_stamp(patient.created_at) == data.created:
            export = await collect_export(
                session=session, clinic=services.clinic, patient_id=data.patient, now=now
            )
        if export is not None:
            await record_action(
                session=session, staff=staff, action=EXPORT_ACTION, at=now, patient_id=data.patient
            )
    # The staff member's user id is their private chat with the bot: never a group's.
    if export is None:
        await context.bot.send_message(
            staff.telegram_id, texts.staff_nothing_to_export(t, patient_id=data.patient)
        )
        return
    await context.bot.send_document(
        staff.telegram_id,
        export_file(export),
        caption=texts.staff_file_caption(t, patient_id=data.patient),
    )


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=[CallbackQueryHandler(on_staff_export, pattern=data_of(StaffExport))])
