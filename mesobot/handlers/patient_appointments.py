"""/appointments: a patient's courses and upcoming sessions (their buttons: handlers.booking).

Listing them is a turn of the flow that reads only: no write transaction unless the patient's
`last_seen_at` is due.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from mesobot.flow.appointments import course_screens
from mesobot.handlers.booking import send_screens, take_turn
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.services import Services


async def appointments(update: Update, context: MesobotContext) -> None:
    """List the patient's open courses and their sessions, with Move and Cancel buttons."""
    user = update.effective_user
    if user is None:
        return
    screens = await take_turn(context, user, course_screens)
    await send_screens(context, user.id, screens)


_HANDLERS = [CommandHandler("appointments", appointments, filters=filters.ChatType.PRIVATE)]


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_HANDLERS)
