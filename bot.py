"""Run mesobot: read the settings, migrate the database, and poll Telegram until stopped."""

from __future__ import annotations

import logging
import sys

from mesobot.clinic import ClinicFileError, load_clinic
from mesobot.config import ConfigurationError, load_settings
from mesobot.migrate import upgrade_to_head


def main() -> int:
    """Start the bot; a configuration problem ends it with one line and exit code 2."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, and those URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs two lines for every run of every job: the outbox's safety job alone
    # runs every 2 s. Its warnings (a missed or failed run) still show.
    for name in ("apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        settings = load_settings()
        clinic = load_clinic(settings.mesobot_clinic_file)
    except ConfigurationError as error:
        print(f"mesobot: {error}", file=sys.stderr)  # noqa: T201
        return 2
    except ClinicFileError as error:
        print(f"mesobot: MESOBOT_CLINIC_FILE: {error}", file=sys.stderr)  # noqa: T201
        return 2
    # Alembic's async env calls asyncio.run(), which cannot run inside PTB's loop: migrate first.
    upgrade_to_head(settings.database_url)

    from mesobot.app import build_application

    application = build_application(settings, clinic=clinic)
    if "--dispatcher-only" in sys.argv[1:]:
        # Sends the outbox without polling: Telegram lets one process poll a token.
        import asyncio

        from mesobot.app import run_dispatcher_only

        asyncio.run(run_dispatcher_only(application))
        return 0
    application.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
