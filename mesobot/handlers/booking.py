"""The patient's booking flow in Telegram: routing of the buttons, typed answers and /cancel.

Every update opens the patient's draft from the database, lets the core (`mesobot.flow`)
change it in one transaction, and only then sends the screens of the new step (no message goes
out while the database is held).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update, User
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from mesobot.flow import booking_steps
from mesobot.flow import buttons as b
from mesobot.flow.machine import Flow
from mesobot.flow.routes import button_step
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.markup import reply_markup
from mesobot.patients import record_patient
from mesobot.screens import Screen
from mesobot.services import Services


async def send_screens(context: MesobotContext, chat_id: int, screens: list[Screen]) -> None:
    """Send each screen as a message of its own."""
    for screen in screens:
        await context.bot.send_message(
            chat_id, screen.text, reply_markup=reply_markup(screen.keyboard)
        )


async def open_flow(context: MesobotContext, session: AsyncSession, user: User) -> Flow:
    """The user's patient record and booking draft, inside `session`'s transaction."""
    services = context.bot_data.services
    patient = await record_patient(
        session=session,
        telegram_user_id=user.id,
        language_code=user.language_code,
        now=services.clock.now(),
    )
    return await Flow.open(
        session=session, services=services, patient=patient, first_name=user.first_name
    )


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
    async with context.bot_data.services.database.write() as session:
        outcome = await step(await open_flow(context, session, user), data)
    await send_screens(context, user.id, outcome.screens)
    # Answered last, so that a patient's next tap finds the screens already there.
    await query.answer(outcome.notice)


async def cancel(update: Update, context: MesobotContext) -> None:
    """/cancel: leave the flow at any step."""
    user = update.effective_user
    if user is None:
        return
    async with context.bot_data.services.database.write() as session:
        screens = await booking_steps.cancel_command(await open_flow(context, session, user))
    await send_screens(context, user.id, screens)


async def on_text(update: Update, context: MesobotContext) -> None:
    """Typed text or a shared contact: the answer of a typing step, else a re-prompt."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    shared_phone = message.contact.phone_number if message.contact else None
    async with context.bot_data.services.database.write() as session:
        flow = await open_flow(context, session, user)
        screens = await booking_steps.typed_answer(
            flow, text=message.text or "", shared_phone=shared_phone
        )
    await send_screens(context, user.id, screens)


_PRIVATE = filters.ChatType.PRIVATE


def feature(_services: Services) -> Feature:
    """/cancel, the flow's buttons, and typed answers (any private text no feature before
    this one claimed)."""
    return Feature(
        handlers=[
            CommandHandler("cancel", cancel, filters=_PRIVATE),
            CallbackQueryHandler(on_booking_button, pattern=b.PATTERN),
            MessageHandler(
                _PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.CONTACT), on_text
            ),
        ]
    )
