"""The real PTB Application runs against the emulator over HTTP, by long polling and webhook."""

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.error import Conflict
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from botapi_emulator.server import BotApiEmulator


async def welcome(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /start with a welcome that uses HTML and the user's escaped name."""
    assert update.effective_user
    assert update.effective_message
    name = update.effective_user.mention_html()
    await update.effective_message.reply_html(f"Welcome, {name}! <b>Book</b> a session.")


def build_echo_application(emulator: BotApiEmulator) -> Application:  # type: ignore[type-arg]
    """Build a throwaway application pointed at the emulator."""
    application = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", welcome))
    return application


@pytest.fixture
async def polling_application(emulator: BotApiEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The echo application, started and long polling the emulator."""
    application = build_echo_application(emulator)
    async with application:
        await application.start()
        assert application.updater
        await application.updater.start_polling(poll_interval=0, timeout=10)
        yield application
        await application.updater.stop()
        await application.stop()


async def test_start_is_answered_by_long_polling_application(
    emulator: BotApiEmulator,
    polling_application: Application,  # type: ignore[type-arg]
) -> None:
    """/start sent by a user reaches the application, and its welcome comes back."""
    anna = emulator.create_user("Anna <3")
    anna.send_command("start")
    reply = await anna.next_bot_message()
    assert reply.text == "Welcome, Anna <3! Book a session."
    assert {"type": "bold", "offset": 18, "length": 4} in reply.entities
    await emulator.wait_until_delivered()
    assert emulator.violations == []


def free_port() -> int:
    """Return a port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_start_is_answered_through_a_webhook(emulator: BotApiEmulator) -> None:
    """With a webhook set by PTB, updates are posted to it with the secret token."""
    application = build_echo_application(emulator)
    port = free_port()
    async with application:
        await application.start()
        assert application.updater
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="telegram",
            webhook_url=f"http://127.0.0.1:{port}/telegram",
            secret_token="clinic-secret",
        )
        anna = emulator.create_user("Anna")
        anna.send_command("start")
        reply = await anna.next_bot_message()
        await application.updater.stop()
        await application.stop()
    assert reply.text == "Welcome, Anna! Book a session."
    assert emulator.world.updates.webhook_errors == []
    with emulator.expect_violation("can't use getUpdates method while webhook is active"):
        async with application.bot as bot:
            with pytest.raises(Conflict):
                await bot.get_updates()
