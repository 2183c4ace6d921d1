"""/start and /help: the welcome, which opens the booking flow, and what the bot can do."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.ext import CommandHandler, filters

from mesobot import texts
from mesobot.flow import booking_steps
from mesobot.flow.machine import Flow
from mesobot.handlers.booking import send_screens, take_turn
from mesobot.handlers.context import MesobotApplication, MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.i18n import DEFAULT_LANGUAGE, available_languages, translations
from mesobot.outbox.claims import resume_recipient
from mesobot.screens import RemoveKeyboard, Screen
from mesobot.services import Services


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
    """The patients' command menu in every language the bot speaks (staff get their own)."""
    for language in sorted(available_languages()):
        commands = [
            BotCommand(name, text)
            for name, text in texts.command_descriptions(translations(language))
        ]
        await application.bot.set_my_commands(
            commands,
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if language == DEFAULT_LANGUAGE else language,
        )


def feature(_services: Services) -> Feature:
    """/start and /help; the command menus, published at start."""
    return Feature(
        handlers=[
            CommandHandler("start", start, filters=filters.ChatType.PRIVATE),
            CommandHandler("help", show_help, filters=filters.ChatType.PRIVATE),
        ],
        on_start=[publish_command_menus],
    )
