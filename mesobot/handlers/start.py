"""/start and /help: the welcome, which opens the booking flow, and what the bot can do."""

from __future__ import annotations

import logging

from telegram import BotCommandScopeAllPrivateChats, Update
from telegram.ext import CommandHandler, filters

from mesobot import texts
from mesobot.flow import booking_steps
from mesobot.flow.machine import Flow
from mesobot.handlers.booking import send_screens, take_turn
from mesobot.handlers.context import MesobotApplication, MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.menus import patient_commands
from mesobot.outbox.api import cancel_for_former_staff
from mesobot.outbox.claims import resume_recipient
from mesobot.screens import RemoveKeyboard, Screen
from mesobot.services import Services
from mesobot.staff.languages import forget_former_staff_languages

logger = logging.getLogger(__name__)


async def start(update: Update, context: MesobotContext) -> None:
    """Welcome the user and begin the flow at their entry step (consent the first time)."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    services = context.bot_data.services

    async def welcomed(flow: Flow) -> list[Screen]:
        welcome = texts.welcome(
            flow.t, first_name=user.first_name, clinic_name=services.clinic.clinic.name
        )
        return [Screen(welcome, RemoveKeyboard()), *await flow.restart()]

    await send_screens(context, user.id, await take_turn(context, user, welcomed))
    # Telegram sends no my_chat_member update when a user starts the bot for the first time:
    # messages paused because they had never started it resume here, after the welcome.
    async with services.database.write() as session:
        await resume_recipient(session=session, chat_id=user.id, now=services.clock.now())


async def show_help(update: Update, context: MesobotContext) -> None:
    """List what the bot can do; the flow stays where it is."""
    user = update.effective_user
    if user is None:
        return
    screens = await take_turn(context, user, booking_steps.help_command)
    await send_screens(context, user.id, screens)


async def publish_command_menus(application: MesobotApplication) -> None:
    """The patients' command menu in each of the clinic's languages (staff get their own):
    the first one is also the menu of every app language the clinic does not declare."""
    languages = application.bot_data.services.clinic.clinic.languages
    for language in languages:
        await application.bot.set_my_commands(
            patient_commands(language),
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if language == languages[0] else language,
        )


async def revoke_former_staff(application: MesobotApplication) -> None:
    """Before the outbox starts: staff messages still queued (or paused) for someone no
    longer in MESOBOT_STAFF_IDS are cancelled, so their /start resumes none of them, and
    their staff language is forgotten."""
    services = application.bot_data.services
    staff_kinds = [kind.name for kind in services.outbox_kinds.kinds.values() if kind.for_staff]
    async with services.database.write() as session:
        cancelled = await cancel_for_former_staff(
            session=session,
            staff_kinds=staff_kinds,
            staff_ids=services.settings.mesobot_staff_ids,
            staff_chat_id=services.settings.mesobot_staff_chat_id,
        )
        # Someone no longer staff is written to in their patient record's language again.
        await forget_former_staff_languages(
            session=session, staff_ids=services.settings.mesobot_staff_ids
        )
    if cancelled:
        logger.info("Cancelled %d staff messages to former staff", cancelled)


def feature(_services: Services) -> Feature:
    """/start and /help; at start, staff messages to former staff cancelled and the command
    menus published."""
    return Feature(
        handlers=[
            CommandHandler("start", start, filters=filters.ChatType.PRIVATE),
            CommandHandler("help", show_help, filters=filters.ChatType.PRIVATE),
        ],
        # Before the outbox's own start (a later feature), so nothing revoked is claimed.
        on_start=[revoke_former_staff, publish_command_menus],
    )
