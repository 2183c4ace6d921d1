"""Staff's Erase in /patient: a confirmation step, the erasure, and the audit entry (ids only).

What /patient shows of an erased patient, and its Erase button, are in
mesobot/staff/patient_view.py.
"""

from __future__ import annotations

from gettext import NullTranslations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from mesobot.handlers.care_common import data_of
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.markup import inline_markup
from mesobot.handlers.staff_access import clinic_time, language_of, show, staff_press
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.outbox.policies import RenderedMessage
from mesobot.privacy.erasure import erase_patient
from mesobot.privacy.erasure_buttons import StaffErase, created_stamp
from mesobot.screens import Row, inline_rows
from mesobot.services import Services
from mesobot.staff.audit import StaffActor, record_action
from mesobot.staff_notices import patient_label
from mesobot.texts import erasure as texts
from mesobot.texts import escape


async def on_staff_erase(update: Update, context: MesobotContext) -> None:
    """Erase: ask again; Erase now: erase and record it; Do not erase: say so."""
    pressed = await staff_press(update, context)
    if pressed is None:
        return
    staff, data, query = pressed
    if not isinstance(data, StaffErase):
        await query.answer()
        return
    services, t = (
        context.bot_data.services,
        translations(await language_of(update, context.bot_data.services)),
    )
    await query.answer()
    if data.cancel:
        await show(query, RenderedMessage(texts.staff_not_erased(t)))
    elif not data.confirm:
        await _ask(update, services, data, t)
    else:
        await show(query, await _erase(services, data, staff, t))


def _still_there(patient: Patient | None, data: StaffErase) -> bool:
    """Whether the button's patient is still there to erase (not another with their id)."""
    return (
        patient is not None
        and patient.erased_at is None
        and created_stamp(patient.created_at) == data.created
    )


async def _ask(update: Update, services: Services, data: StaffErase, t: NullTranslations) -> None:
    """The confirmation step, as a new message under the /patient view."""
    patient_id = data.patient
    async with services.database.read() as session:
        patient = await session.get(Patient, patient_id)
    message = update.effective_message
    if message is None:
        return
    if patient is None or not _still_there(patient, data):
        await message.reply_text(texts.staff_already_erased(t, patient_id=patient_id))
        return
    now, keep = texts.erase_confirm_buttons(t)
    rows: list[Row] = [
        [(now, StaffErase(patient_id, data.created, confirm=True))],
        [(keep, StaffErase(patient_id, data.created, confirm=False, cancel=True))],
    ]
    await message.reply_text(
        texts.erase_question(t, patient_id=patient_id, label=escape(patient_label(patient))),
        reply_markup=inline_markup(inline_rows(services.codec, rows)),
    )


async def _erase(
    services: Services, data: StaffErase, staff: StaffActor, t: NullTranslations
) -> RenderedMessage:
    """Erase the patient and record who did it, then say what was done and kept."""
    now, patient_id, erased = services.clock.now(), data.patient, None
    async with services.database.write() as session:
        if _still_there(await session.get(Patient, patient_id), data):
            erased = await erase_patient(
                session=session,
                services=services,
                patient_id=patient_id,
                actor=staff.actor,
                now=now,
            )
        if erased is not None:
            await record_action(
                session=session,
                staff=staff,
                action="erase",
                at=now,
                patient_id=patient_id,
                after={"cancelled": len(erased.cancelled), "kept": erased.keep_until is not None},
            )
    if erased is None:
        return RenderedMessage(texts.staff_already_erased(t, patient_id=patient_id))
    await services.database.checkpoint()
    until = erased.keep_until
    return RenderedMessage(
        texts.staff_erased(
            t,
            patient_id=patient_id,
            cancelled=len(erased.cancelled),
            keep_until=f"{clinic_time(services, until):%Y-%m-%d}" if until else None,
        )
    )


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=[CallbackQueryHandler(on_staff_erase, pattern=data_of(StaffErase))])
