"""What no feature claimed: forged or foreign button data, and unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from mesobot.flow import booking_steps
from mesobot.handlers.booking import send_screens, take_turn
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.services import Services


async def on_unknown_button(update: Update, _context: MesobotContext) -> None:
    """A tap no feature claims (forged or foreign data): answered, nothing else."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def on_unknown_command(update: Update, context: MesobotContext) -> None:
    """A command no feature claims: say what the bot understands."""
    user = update.effective_user
    if user is None:
        return
    screens = await take_turn(context, user, booking_steps.unknown_command)
    await send_screens(context, user.id, screens)


def feature(_services: Services) -> Feature:
    """Registered last in group 0: it answers whatever reached it."""
    return Feature(
        handlers=[
            CallbackQueryHandler(on_unknown_button),
            MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, on_unknown_command),
        ]
    )
