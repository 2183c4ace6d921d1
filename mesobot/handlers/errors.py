"""The error handler: log the failure with its traceback, tell the user, keep health data out."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from mesobot import texts
from mesobot.handlers.budget import ReplyHandedOver
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.languages import language_of
from mesobot.i18n import translations
from mesobot.inbox.store import AlreadyHandled
from mesobot.services import Services

logger = logging.getLogger(__name__)


def describe_update(update: object) -> str:
    """What a log line may say about an update: its id and kind, never its content."""
    if isinstance(update, Update):
        kinds = [
            name
            for name in ("message", "callback_query", "my_chat_member")
            if getattr(update, name, None) is not None
        ]
        return f"update {update.update_id} ({', '.join(kinds) or 'other'})"
    return "a job or an internal call" if update is None else type(update).__name__


async def on_error(update: object, context: MesobotContext) -> None:
    """Log an exception raised while handling an update and apologise to the user."""
    if isinstance(context.error, AlreadyHandled):
        # Webhook mode: another receiver handled this update first; this one changed nothing.
        logger.warning("Handling %s: %s", describe_update(update), context.error)
        return
    if isinstance(context.error, ReplyHandedOver):
        # Not a failure the user should hear of: the outbox sends the reply in a moment.
        logger.info("Handling %s: %s", describe_update(update), context.error)
        return
    # exc_info carries the traceback; the update's text is left out because it may hold
    # health data that a patient typed.
    logger.error("Failed to handle %s", describe_update(update), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    services = context.bot_data.services
    try:
        language = await language_of(update, services)
    except Exception:
        user = update.effective_user
        language = services.language_for(user.language_code if user else None)
    t = translations(language)
    try:
        await context.bot.send_message(update.effective_chat.id, texts.something_went_wrong(t))
    except TelegramError:
        logger.warning("Could not tell %s about the failure", describe_update(update))


def feature(_services: Services) -> Feature:
    """The error handler."""
    return Feature(on_error=on_error)
