"""Run mesobot: read the settings, migrate the database, and poll Telegram until stopped.

`--webhook`: receive updates by webhook instead (several processes behind a load balancer,
with health and metrics; mesobot.web); `--dispatcher-only`: send the outbox, take no updates.
"""

from __future__ import annotations

import asyncio
import sys

from mesobot.clinic import ClinicFileError, load_clinic
from mesobot.config import ConfigurationError, Settings, load_settings
from mesobot.logs import configure_logging
from mesobot.migrate import upgrade_to_head


def main() -> int:
    """Start the bot; a configuration problem ends it with one line and exit code 2."""
    webhook = "--webhook" in sys.argv[1:]
    try:
        settings = load_settings()
        if webhook or settings.mesobot_webhook_url:  # a dispatcher may register the webhook
            settings.require_webhook()
        clinic = load_clinic(settings.mesobot_clinic_file)
    except ConfigurationError as error:
        return _refuse(str(error))
    except ClinicFileError as error:
        return _refuse(f"MESOBOT_CLINIC_FILE: {error}")
    secrets = [settings.telegram_bot_token, settings.mesobot_webhook_secret]
    configure_logging(
        secrets=[secret.get_secret_value() for secret in secrets if secret],
        log_format=settings.mesobot_log_format,
    )
    # Asked before anything is touched, so that a wrong token or URL is one line, not the
    # tracebacks of PTB's start-up retries.
    refusal = asyncio.run(_bot_api_refusal(settings))
    if refusal is not None:
        return _refuse(refusal)
    # Alembic's async env calls asyncio.run(), which cannot run inside PTB's loop: migrate first.
    upgrade_to_head(settings.database_url)

    from mesobot.app import build_application, run_dispatcher_only, stop_on_signals
    from mesobot.handlers.context import MesobotApplication

    dispatcher_only = "--dispatcher-only" in sys.argv[1:]
    # Only the poller serves feeds in polling mode: a dispatcher beside it would compete for
    # MESOBOT_LISTEN. In webhook mode every receiver serves them beside the webhook.
    application = build_application(
        settings, clinic=clinic, serve_feeds=not (dispatcher_only or webhook), webhook=webhook
    )
    if webhook:
        from mesobot.web.feeds import feed_routes
        from mesobot.web.webhook_mode import run_webhook

        services = application.bot_data.services
        feeds = feed_routes(services) if settings.mesobot_public_url else []
        asyncio.run(run_webhook(application, extra_routes=feeds))
        return 0
    if dispatcher_only:
        # Sends the outbox without polling: Telegram lets one process poll a token.
        asyncio.run(run_dispatcher_only(application))
        return 0
    started = application.post_init
    assert started is not None

    async def post_init(app: MesobotApplication) -> None:
        await started(app)
        # SIGTERM lets the updates in flight finish, within a deadline (mesobot.app).
        stop_on_signals(app.stop_running)

    application.post_init = post_init
    application.run_polling(
        allowed_updates=["message", "callback_query", "my_chat_member"], stop_signals=None
    )
    return 0


async def _bot_api_refusal(settings: Settings) -> str | None:
    """Why the Bot API will not serve this token at this URL; None when it does."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_base_file_url or "",
    )
    try:
        await bot.get_me()
    except InvalidToken as error:
        return _rejected(settings, str(error))
    except NetworkError as error:
        return f"TELEGRAM_API_BASE_URL: cannot reach the Bot API ({_reason(error)})"
    finally:
        await bot.shutdown()
    return None


def _rejected(settings: Settings, answer: str) -> str:
    if "unauthorized" in answer.lower():
        return "TELEGRAM_BOT_TOKEN was rejected by Telegram: copy it again from @BotFather"
    host = settings.telegram_api_base_url.split("/")[2]
    return (
        f"TELEGRAM_API_BASE_URL: {host} does not answer as a Bot API server "
        f"({answer or 'not found'}); or TELEGRAM_BOT_TOKEN is wrong"
    )


def _reason(error: Exception) -> str:
    # Only the exception's kind: its text may hold the request URL, and so the token.
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else type(error).__name__


def _refuse(line: str) -> int:
    print(f"mesobot: {line}", file=sys.stderr)  # noqa: T201
    return 2


if __name__ == "__main__":
    sys.exit(main())
