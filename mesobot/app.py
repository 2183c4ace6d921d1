"""Builds the Telegram application: settings, services, handlers, start-up and shutdown."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import cast

from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, JobQueue

from mesobot.calendar_delivery.delivery import register_calendar_delivery
from mesobot.callbacks import CallbackCodec
from mesobot.care.kinds import install_care
from mesobot.clinic import Clinic, load_clinic
from mesobot.clinic_contact import register_contact_kinds
from mesobot.clock import Clock
from mesobot.config import Settings
from mesobot.db import Database, describe_url
from mesobot.handlers import (
    booking,
    calendar,
    care,
    care_reports_patient,
    care_reports_staff,
    clinic_info,
    errors,
    fallback,
    forget,
    group_chats,
    inbox,
    language_choice,
    mydata,
    outbox,
    patient_appointments,
    retention,
    staff_access,
    staff_agenda,
    staff_closures,
    staff_erase,
    staff_expiry,
    staff_export,
    staff_patients,
    staff_requests,
    staff_reviews,
    start,
    waitlist,
)
from mesobot.handlers.budget import TelegramBudget
from mesobot.handlers.context import BotData, MesobotApplication, MesobotContext
from mesobot.handlers.feature import Feature, add_features
from mesobot.handlers.http_client import AiohttpRequest
from mesobot.handlers.queued_calls import call_queue
from mesobot.handlers.telegram_bot import MesobotBot
from mesobot.late_changes import register_late_change_kinds
from mesobot.lifecycle import DEFAULT_OBSERVERS
from mesobot.outbox.pacing import Pacer
from mesobot.patient_changes import register_patient_change_kinds
from mesobot.privacy.erasure import register_erasure_kinds
from mesobot.reschedule_asked import register_reschedule_kinds
from mesobot.services import Services
from mesobot.staff.reviews import register_review_kinds
from mesobot.staff_notices import register_staff_notice_kinds
from mesobot.update_processor import PerUserUpdateProcessor
from mesobot.waitlist.offers import register_offer_kind
from mesobot.waitlist.openings import on_sessions_changed as waitlist_places_freed

logger = logging.getLogger(__name__)

# SIGTERM's budget: systemd and Kubernetes kill after 10 s by default (TimeoutStopSec,
# terminationGracePeriodSeconds); the process exits on its own before that, whatever is left.
STOP_DEADLINE_SECONDS = 9.0


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    clinic: Clinic | None = None,
    pacer: Pacer | None = None,
    serve_feeds: bool = False,
    webhook: bool = False,
) -> MesobotApplication:
    """The whole bot, ready for `run_polling()` or for tests to start and stop.

    `pacer` holds Telegram's limits (`Pacer()` by default); tests that tap faster than a
    person can pass one with higher rates. `serve_feeds` serves the calendar feeds on
    MESOBOT_LISTEN while the bot polls, when MESOBOT_PUBLIC_URL is set too. `webhook`:
    updates come from the inbox (`mesobot.web`, `mesobot.handlers.inbox`) and direct replies
    (every chat-changing call of a handler) go through the outbox.
    """
    services = build_services(settings, clock=clock, clinic=clinic, webhook=webhook)
    token = settings.telegram_bot_token.get_secret_value()
    budget = TelegramBudget(pacer)
    if webhook:  # from the first update on, which the inbox may handle before the outbox starts
        budget.queue_call = call_queue(services)
    bot = MesobotBot(
        token,
        base_url=settings.telegram_api_base_url,
        base_file_url=str(settings.telegram_api_base_file_url),
        # PTB's pool sizes (256, and one for the long poll), on a lighter client than httpx.
        request=AiohttpRequest(connections=256),
        get_updates_request=AiohttpRequest(connections=1),
        defaults=Defaults(parse_mode="HTML"),
        # One budget for every message the bot sends, replies and the outbox alike.
        rate_limiter=budget,
    )
    # ContextTypes types its contexts' bot as ExtBot[Any]: the cast says it is `bot`'s class.
    application = cast(
        MesobotApplication,
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(bot_data=BotData))
        .job_queue(JobQueue[MesobotContext]())
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(_on_start)
        .post_stop(_on_stopping)
        .post_shutdown(_on_stop)
        .build(),
    )
    application.bot_data.services = services
    application.bot_data.serve_feeds = serve_feeds and settings.feeds_enabled
    application.bot_data.features = features(services)
    add_features(application, application.bot_data.features)
    return application


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    clinic: Clinic | None = None,
    webhook: bool = False,
) -> Services:
    """The collaborators, with every message kind and session observer registered."""
    token = settings.telegram_bot_token.get_secret_value()
    postgres = settings.database_url.startswith(("postgresql", "postgres:"))
    # Each user the inbox worker serves holds a connection for their turn (an advisory lock),
    # on which their updates are handled too; 5 more store updates, look for work and wake
    # the dispatcher. No overflow: a process never holds more than this, which is what
    # PostgreSQL's max_connections is sized by (docs/deploy.md); a webhook request that finds
    # them all busy waits for one.
    pool = (
        {"pool_size": inbox.USERS_AT_ONCE + 5, "max_overflow": 0} if webhook and postgres else {}
    )
    services = Services(
        settings=settings,
        clock=clock or Clock(),
        database=Database(settings.database_url, **pool),
        webhook=webhook,
        # Derived from the token so that buttons survive restarts without another secret.
        codec=CallbackCodec(hashlib.sha256(token.encode()).digest()),
        clinic=clinic or load_clinic(settings.mesobot_clinic_file),
        # First: a session that will not happen takes its pending messages with it.
        session_observers=[*DEFAULT_OBSERVERS],
    )
    # Every message kind the outbox may meet must be known before the dispatcher starts.
    register_staff_notice_kinds(services)
    register_patient_change_kinds(services.outbox_kinds, services.clinic, services.codec)
    register_erasure_kinds(services.outbox_kinds)  # staff told of an erasure's cancellations
    register_contact_kinds(services.outbox_kinds)  # staff told a patient asked to be called
    register_reschedule_kinds(services.outbox_kinds, services)  # a reminder's reschedule
    register_late_change_kinds(services.outbox_kinds, services)  # the cancellation policy
    install_care(services)  # care kinds, and the observer that schedules care messages
    register_review_kinds(services)  # the six-week review of blepharoplasty, after Done
    register_calendar_delivery(services)  # calendar files follow confirmed courses
    register_offer_kind(services)  # waitlist offers to patients
    services.session_observers.append(waitlist_places_freed)  # freed places wait for a match
    return services


def features(services: Services) -> list[Feature]:
    """Every handler module, in the order their handlers see an update within each group.

    Within a group the first matching handler takes the update, so the order matters where
    two handlers could match the same update; the comment by each entry says when that is.
    """
    return [
        # First of all: anything from a group or channel. Only the views it lists as
        # group-safe go on; everything else gets "send this to me privately" (and the bot
        # leaves any group but the staff group), whatever feature would have taken it.
        group_chats.feature(services),
        start.feature(services),  # /start, /help, and the command menus at start
        calendar.feature(services),  # /calendar: one command for patients and staff
        language_choice.feature(services),  # /language for everyone; its "lg" buttons only
        # Staff commands and buttons ("s..." kinds): every one checks the user is staff. The
        # typed decline reason matches only staff's replies, so patients' texts pass on.
        staff_requests.feature(services),
        staff_expiry.feature(services),
        retention.feature(services),  # the daily [retention] job
        staff_agenda.feature(services),
        staff_reviews.feature(services),
        staff_closures.feature(services),
        staff_patients.feature(services),
        staff_erase.feature(services),  # Erase under /patient ("se" buttons only)
        staff_export.feature(services),  # Export under /patient ("sxp" buttons only)
        waitlist.feature(services),  # the waitlist's job, /waitlist and its "sq" buttons
        # The booking flow's typed-answer handler takes any private text that is not a
        # command: features with typed text of their own come before it.
        patient_appointments.feature(services),
        forget.feature(services),  # /forget and its "fg" buttons; no typed text
        clinic_info.feature(services),  # /clinic and Talk to a person ("pc"); no typed text
        mydata.feature(services),  # /mydata; no buttons, no typed text
        booking.feature(services),
        # Care: reminder and check-in answers, /notifications, /report and staff's /reports;
        # their buttons match only their own "c" kinds. Report photos and replies are taken
        # in the first group, before the booking flow could read them as an answer.
        care.feature(services),
        care_reports_patient.feature(services),
        care_reports_staff.feature(services),
        fallback.feature(services),  # last in group 0: taps and commands no feature claimed
        inbox.feature(services),  # webhook mode's worker; stops before the outbox it feeds
        outbox.feature(services),  # the dispatcher; unblocked chats resume their messages
        staff_access.feature(services),  # staff menus; a staff member's /start brings theirs
        errors.feature(services),
    ]


async def _on_start(application: MesobotApplication) -> None:
    """Start every feature (menus, outbox, jobs) and log what the bot talks to."""
    for feature in application.bot_data.features:
        for hook in feature.on_start:
            await hook(application)
    settings = application.bot_data.services.settings
    if application.bot_data.serve_feeds and settings.mesobot_listen is not None:
        from mesobot.web.feeds import feed_routes
        from mesobot.web.serve import start_web_server

        application.bot_data.web_server = await start_web_server(
            feed_routes(application.bot_data.services), settings.mesobot_listen
        )
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
    """Undo start's subscriptions, then stop the features (the outbox finishes the messages
    in flight while the bot can still send). Safe to run twice."""
    bot_data = application.bot_data
    subscriptions, bot_data.subscriptions = bot_data.subscriptions, []
    for unsubscribe in subscriptions:
        unsubscribe()
    for feature in bot_data.features:
        for hook in feature.on_stop:
            await hook(application)


async def _on_stop(application: MesobotApplication) -> None:
    """Stop the feeds' server, then close the database connections."""
    await _on_stopping(application)  # does nothing when post_stop already did it
    server, application.bot_data.web_server = application.bot_data.web_server, None
    if server is not None:
        await server.stop()
    await application.bot_data.services.database.dispose()


def stop_on_signals(stop: Callable[[], None], *, deadline: float = STOP_DEADLINE_SECONDS) -> None:
    """On SIGTERM or SIGINT, call `stop` (which lets the updates in flight finish) in the
    running loop, and end the process anyway `deadline` seconds later."""
    loop = asyncio.get_running_loop()
    signalled = threading.Event()

    def on_signal() -> None:
        if signalled.is_set():
            return
        signalled.set()
        logger.info("stopping: finishing the updates in flight, for at most %.0f s", deadline)
        timer = threading.Timer(deadline, _give_up, args=(deadline,))
        timer.daemon = True  # a clean stop before the deadline ends the process as usual
        timer.start()
        stop()

    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, on_signal)


def _give_up(deadline: float) -> None:
    logger.error("still stopping after %.0f s: exiting with work unfinished", deadline)
    logging.shutdown()
    os._exit(1)


async def run_dispatcher_only(application: MesobotApplication) -> None:
    """Send the outbox without receiving updates (`bot.py --dispatcher-only`), until SIGTERM.

    With MESOBOT_WEBHOOK_URL set, it registers the webhook whenever it is the leader."""
    stop = asyncio.Event()
    stop_on_signals(stop.set)
    async with application:
        await _on_start(application)
        await application.start()
        registering = None
        if application.bot_data.services.settings.mesobot_webhook_url:
            from mesobot.web.webhook_mode import register_while_leader  # webhook mode's receivers

            registering = asyncio.get_running_loop().create_task(
                register_while_leader(application)
            )
        await stop.wait()
        if registering is not None:
            registering.cancel()
        await application.stop()
        await _on_stopping(application)
    await _on_stop(application)
