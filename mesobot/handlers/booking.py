"""The patient's booking flow in Telegram: routing of the buttons, typed answers and /cancel.

Every update is one turn of the core (`mesobot.flow.turn`): the step runs and renders its
screens in a read transaction, what it changed is stored in a short write, and only then are
the screens sent (no message goes out while the database is held).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update, User
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from mesobot.flow import booking_steps, consent_steps
from mesobot.flow import buttons as b
from mesobot.flow.machine import Flow
from mesobot.flow.routes import button_step
from mesobot.flow.turn import Visitor
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.markup import screen_markup
from mesobot.screens import Screen
from mesobot.services import Services


async def send_screens(context: MesobotContext, chat_id: int, screens: list[Screen]) -> None:
    """Send each screen as a message of its own, in order."""
    messages = [(screen.text, screen_markup(screen.keyboard)) for screen in screens]
    await context.bot.send_screens(chat_id, messages)


T = TypeVar("T")


async def take_turn(
    context: MesobotContext, user: User, step: Callable[[Flow], Awaitable[T]]
) -> T:
    """Run `step` on the user's flow: read and render, then store what changed."""
    visitor = Visitor(
        telegram_user_id=user.id,
        language_code=user.language_code,
        first_name=user.first_name,
        username=user.username,
    )
    return await Flow.take(context.bot_data.services, visitor, step)


async def on_booking_button(update: Update, context: MesobotContext) -> None:
    """Route a tap to its step; data the bot did not issue is refused quietly."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    data = context.bot_data.services.codec.decode(query.data)
    step = button_step(data)
    if step is None:
        await query.answer()
        return
    outcome = await take_turn(context, user, lambda flow: step(flow, data))
    await send_screens(context, user.id, outcome.screens)
    # Answered last, so that a patient's next tap finds the screens already there.
    await query.answer(outcome.notice)


async def cancel(update: Update, context: MesobotContext) -> None:
    """/cancel: leave the flow at any step."""
    user = update.effective_user
    if user is None:
        return
    screens = await take_turn(context, user, booking_steps.cancel_command)
    await send_screens(context, user.id, screens)


async def on_text(update: Update, context: MesobotContext) -> None:
    """Typed text or a shared contact: the answer of a typing step, else a re-prompt."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    shared_phone = message.contact.phone_number if message.contact else None
    screens = await take_turn(
        context,
        user,
        lambda flow: booking_steps.typed_answer(
            flow, text=message.text or "", shared_phone=shared_phone
        ),
    )
    await send_screens(context, user.id, screens)


async def consent(update: Update, context: MesobotContext) -> None:
    """/consent: see, give or withdraw consent."""
    user = update.effective_user
    if user is None:
        return
    screens = await take_turn(context, user, consent_steps.consent_command)
    await send_screens(context, user.id, screens)


_PRIVATE = filters.ChatType.PRIVATE


def feature(_services: Services) -> Feature:
    """/cancel, /consent, the flow's buttons, and typed answers (any private text no feature before
    this one claimed)."""
    return Feature(
        handlers=[
            CommandHandler("cancel", cancel, filters=_PRIVATE),
            CommandHandler("consent", consent, filters=_PRIVATE),
            CallbackQueryHandler(on_booking_button, pattern=b.PATTERN),
            MessageHandler(
                _PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.CONTACT), on_text
            ),
        ]
    )
