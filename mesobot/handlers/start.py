"""/start and /help: the welcome, and what the bot can do."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CommandHandler

from mesobot import texts
from mesobot.i18n import pick_language, translations
from mesobot.outbox.claims import resume_recipient
from mesobot.patients import record_patient
from mesobot.services import MesobotContext


async def start(update: Update, context: MesobotContext) -> None:
    """Greet the user and remember them, with their language, as a patient."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services
    async with services.database.transaction() as session:
        patient = await record_patient(
            session=session,
            telegram_user_id=user.id,
            language_code=user.language_code,
            now=services.clock.now(),
        )
    text = texts.welcome(
        translations(patient.language),
        first_name=user.first_name,
        clinic_name=services.clinic.clinic.name,
    )
    await message.reply_text(text, parse_mode=ParseMode.HTML)
    # Telegram sends no my_chat_member update when a user starts the bot for the first time:
    # messages paused because they had never started it resume here, after the welcome.
    async with services.database.transaction() as session:
        await resume_recipient(session=session, chat_id=message.chat_id, now=services.clock.now())


async def show_help(update: Update, _context: MesobotContext) -> None:
    """List what the bot can do."""
    user, message = update.effective_user, update.effective_message
    if message is None:
        return
    language = pick_language(user.language_code if user else None)
    await message.reply_text(texts.help_text(translations(language)), parse_mode=ParseMode.HTML)


HANDLERS = [CommandHandler("start", start), CommandHandler("help", show_help)]
