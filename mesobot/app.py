"""Builds the Telegram application: settings, services, handlers, start-up and shutdown."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import signal

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, JobQueue

from mesobot.calendar_delivery.delivery import register_calendar_delivery
from mesobot.callbacks import CallbackCodec
from mesobot.care.kinds import install_care
from mesobot.clinic import Clinic, load_clinic
from mesobot.clock import Clock
from mesobot.config import Settings
from mesobot.db import Database, describe_url
from mesobot.handlers import register_handlers
from mesobot.handlers.outbox import start_outbox, stop_outbox
from mesobot.handlers.staff_access import publish_staff_menus
from mesobot.handlers.staff_expiry import start_expiry
from mesobot.i18n import DEFAULT_LANGUAGE, available_languages, translations
from mesobot.patient_changes import register_patient_change_kinds
from mesobot.services import BotData, MesobotApplication, MesobotContext, Services
from mesobot.staff_notices import register_staff_notice_kinds
from mesobot.texts import command_descriptions
from mesobot.update_processor import PerUserUpdateProcessor

logger = logging.getLogger(__name__)


def build_application(
    settings: Settings, *, clock: Clock | None = None, clinic: Clinic | None = None
) -> MesobotApplication:
    """The whole bot, ready for `run_polling()` or for tests to start and stop."""
    token = settings.telegram_bot_token.get_secret_value()
    services = Services(
        settings=settings,
        clock=clock or Clock(),
        database=Database(settings.database_url),
        # Derived from the token so that buttons survive restarts without another secret.
        codec=CallbackCodec(hashlib.sha256(token.encode()).digest()),
        clinic=clinic or load_clinic(settings.mesobot_clinic_file),
    )
    # Every message kind the outbox may meet must be known before the dispatcher starts.
    register_staff_notice_kinds(services)
    register_patient_change_kinds(services.outbox_kinds)
    install_care(services)  # care kinds, and the observer that schedules care messages
    register_calendar_delivery(services)  # calendar files follow confirmed courses
    application: MesobotApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(str(settings.telegram_api_base_file_url))
        .context_types(ContextTypes(bot_data=BotData))
        .defaults(Defaults(parse_mode="HTML"))
        .job_queue(JobQueue[MesobotContext]())
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(_on_start)
        .post_stop(_on_stopping)
        .post_shutdown(_on_stop)
        .build()
    )
    application.bot_data.services = services
    register_handlers(application)
    return application


async def _on_start(application: MesobotApplication) -> None:
    """Publish the command menu in every language and log what the bot talks to."""
    for language in sorted(available_languages()):
        commands = [
            BotCommand(name, text) for name, text in command_descriptions(translations(language))
        ]
        await application.bot.set_my_commands(
            commands,
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if language == DEFAULT_LANGUAGE else language,
        )
    start_outbox(application)
    start_expiry(application)  # after start_outbox, which resets the unsubscribe list
    await publish_staff_menus(application)
    settings = application.bot_data.services.settings
    logger.info(
        "mesobot started as @%s: database %s, Bot API %s",
        application.bot.username,
        describe_url(settings.database_url),
        settings.telegram_api_base_url,
    )
    # What start-up loaded lives as long as the process. Freezing it keeps the collector's full
    # passes (which would walk all of it) from adding tens of milliseconds to requests that
    # allocate a lot, such as a plan over a few thousand bookings.
    gc.collect()
    gc.freeze()


async def _on_stopping(application: MesobotApplication) -> None:
    """Let the outbox finish the messages in flight while the bot can still send."""
    await stop_outbox(application)


async def _on_stop(application: MesobotApplication) -> None:
    """Close the database connections."""
    await stop_outbox(application)  # does nothing when post_stop already did it
    await application.bot_data.services.database.dispose()


async def run_dispatcher_only(application: MesobotApplication) -> None:
    """Send the outbox without receiving updates (`bot.py --dispatcher-only`), until SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    async with application:
        await _on_start(application)
        await application.start()
        await stop.wait()
        await application.stop()
        await _on_stopping(application)
    await _on_stop(application)
