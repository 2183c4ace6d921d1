"""/language: anyone (patient or staff) picks the language the bot writes to them in.

The choice is stored (a patient's on their record, a staff member's in `staff_language`, and
both for a staff member who is also a patient), confirmed in the new language, and the chat's
command menu is set in it: Telegram would otherwise pick a menu by the app's language.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from mesobot.handlers.care_common import data_of
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.languages import language_of
from mesobot.handlers.markup import inline_markup
from mesobot.handlers.menus import patient_commands, set_chat_menu, staff_commands
from mesobot.i18n import translations
from mesobot.languages import LanguageChoice, language_rows
from mesobot.patients import record_patient, set_language
from mesobot.services import Services
from mesobot.staff.languages import set_staff_language
from mesobot.texts import languages as texts


async def ask_language(update: Update, context: MesobotContext) -> None:
    """/language: the question, with a button per language the clinic declares."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    current = await language_of(update, services)
    rows = language_rows(services.codec, services.clinic.clinic.languages, current)
    await message.reply_text(
        texts.choose_language(translations(current)), reply_markup=inline_markup(rows)
    )


async def on_language(update: Update, context: MesobotContext) -> None:
    """A language's button: store it, confirm in it, and set the chat's menu in it."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    services = context.bot_data.services
    data = services.codec.decode(query.data)
    declared = services.clinic.clinic.languages
    if not isinstance(data, LanguageChoice) or data.code not in declared:
        await query.answer()
        return
    staff = services.is_staff(user.id)
    await _store(services, user.id, data.code, staff=staff)
    await query.answer()
    await query.edit_message_text(texts.language_chosen(translations(data.code)))
    if staff:
        # Drops the per-language staff menus published before their language was stored.
        await set_chat_menu(context.bot, user.id, staff_commands(data.code), clear=declared[1:])
    else:
        await set_chat_menu(context.bot, user.id, patient_commands(data.code))


async def _store(services: Services, user_id: int, language: str, *, staff: bool) -> None:
    """The choice, in one write: staff's own row (and a patient record they may have), or
    the patient's record (created if this is their first contact)."""
    now = services.clock.now()
    async with services.database.write() as session:
        if staff:
            await set_staff_language(session=session, staff_id=user_id, language=language, now=now)
            await set_language(session=session, telegram_user_id=user_id, language=language)
            return
        patient = await record_patient(
            session=session, telegram_user_id=user_id, language=language, now=now
        )
        patient.language = language
        session.add(patient)


def feature(_services: Services) -> Feature:
    """/language in a private chat, and its "lg" buttons."""
    return Feature(
        handlers=[
            CommandHandler("language", ask_language, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(on_language, pattern=data_of(LanguageChoice)),
        ]
    )
