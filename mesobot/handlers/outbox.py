"""The outbox's Telegram edge: the sender, the job-queue wake-ups, unblocked chats, and the
replies the bot's budget hands over.

Everything else of the outbox (`mesobot.outbox`) knows nothing of Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import (
    ChatMember,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import ChatMemberHandler

from mesobot.handlers.budget import HandOver, TelegramBudget, retry_after_seconds
from mesobot.handlers.context import MesobotApplication, MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.markup import inline_markup
from mesobot.handlers.queued_calls import call_arguments, parameters_of, posts_message
from mesobot.outbox.calls import queue_call, register_call_kind
from mesobot.outbox.claims import resume_recipient
from mesobot.outbox.dispatcher import Dispatcher
from mesobot.outbox.enqueue import on_outbox_commit
from mesobot.outbox.pacing import Precedence
from mesobot.outbox.policies import (
    CAPTION_LIMIT,
    ApiCall,
    RenderedMessage,
    telegram_length,
)
from mesobot.outbox.sending import FloodWait, Rejected, TransientFailure, Unreachable
from mesobot.outbox.shared_budget import SharedBudget
from mesobot.outbox.wakeups import CrossProcessWakeups
from mesobot.services import Services

logger = logging.getLogger(__name__)

# The safety net: finds messages queued by another process, and lets a standby retry the lock.
# This process's own messages wake the dispatcher at commit, so only another process's wait up
# to this long (and a standby takes over within it). Every pass costs a read of the outbox.
# On PostgreSQL several processes share the outbox, and a NOTIFY can be lost: 5 s. On SQLite
# the bot is the only process (Telegram serves one poller a token) and nothing else queues
# messages, so the look is only a backstop: at 30 s instead of 5 the idle bot spent 0.06
# CPU-s a minute instead of 0.09 (issue 13).
SAFETY_INTERVAL = {"postgresql": 5.0, "sqlite": 30.0}
_NEXT_DUE_JOB = "outbox-next-due"

# A late wake-up still wakes (no misfire drop), a backlog of them runs once, never two at once.
JOB_KWARGS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class TelegramSender:
    """Sends through PTB's bot, within its budget, and turns Telegram's errors into the
    outbox's."""

    def __init__(self, application: MesobotApplication) -> None:
        self.application = application

    async def send(
        self, chat_id: int, message: RenderedMessage, precedence: Precedence
    ) -> int | None:
        """Send `message` as HTML to `chat_id`: a text, or a document with the text as caption;
        or make its queued call, returning the id of the message it posted."""
        try:
            if message.call is not None:
                return await self._call(message.call, precedence)
            await self._send(chat_id, message, inline_markup(message.buttons), precedence)
        except RetryAfter as error:
            seconds = retry_after_seconds(error)
            raise FloodWait(seconds, description=error.message) from None
        except Forbidden as error:
            raise Unreachable(error.message) from None
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                raise Unreachable(error.message) from None
            raise Rejected(error.message) from None
        except TimedOut as error:
            raise TransientFailure(f"timed out: {error.message}") from None
        except TelegramError as error:  # 5xx and network errors
            raise TransientFailure(error.message) from None
        return None

    async def _call(self, call: ApiCall, precedence: Precedence) -> int | None:
        try:
            bot = self.application.bot
            # What `do_api_request` does, without its warning that `bot` has a method for
            # the endpoint: the call is made as the handler made it, parameters and all.
            result = await bot._post(
                call.endpoint,
                api_kwargs=bot._merge_api_rl_kwargs(call_arguments(call.parameters), precedence),
            )
        except BadRequest as error:
            if posts_message(call.endpoint):
                raise
            # An edit of a screen that already shows it, an answer to a press too old, a
            # deletion of a message gone: as in polling mode, the handler's next update
            # asks again; staff need no notice of it.
            logger.info("A queued %s was refused: %s", call.endpoint, error.message)
            return None
        return int(result["message_id"]) if isinstance(result, dict) else None

    async def _send(
        self,
        chat_id: int,
        message: RenderedMessage,
        markup: InlineKeyboardMarkup | None,
        precedence: Precedence,
    ) -> None:
        bot = self.application.bot
        # The precedence also marks each call as the outbox's (mesobot.handlers.budget).
        if message.document is not None:
            await bot.send_document(
                chat_id,
                InputFile(message.document.content, filename=message.document.filename),
                caption=message.text,
                reply_markup=markup,
                rate_limit_args=precedence,
            )
        elif message.photo_file_id is None:
            await bot.send_message(
                chat_id, message.text, reply_markup=markup, rate_limit_args=precedence
            )
        elif telegram_length(message.text) <= CAPTION_LIMIT:
            await bot.send_photo(
                chat_id,
                message.photo_file_id,
                caption=message.text,
                reply_markup=markup,
                rate_limit_args=precedence,
            )
        else:
            # Too long for a caption: the photo, then the text with the buttons. A failure in
            # between sends the photo again on retry, which is better than losing the text.
            await bot.send_photo(chat_id, message.photo_file_id, rate_limit_args=precedence)
            await bot.send_message(
                chat_id, message.text, reply_markup=markup, rate_limit_args=precedence
            )


def budget_of(application: MesobotApplication) -> TelegramBudget:
    """The bot's rate limiter: the one budget of everything the bot sends."""
    budget = application.bot.rate_limiter
    assert isinstance(budget, TelegramBudget), "build the application with mesobot.app"
    return budget


# Direct calls worth making later when Telegram did not take them: what the person waits to
# see. (An answer to a button press is too old to make by then.)
_HANDED_OVER = {
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "sendDocument",
    "sendPhoto",
}


def reply_hand_over(services: Services) -> HandOver:
    """Queues a direct reply Telegram did not take in the outbox, as the call it was
    (`mesobot.outbox.calls`, as webhook mode queues every call): the dispatcher makes it."""

    async def hand_over(endpoint: str, data: dict[str, Any]) -> bool:
        chat_id = data.get("chat_id")
        if endpoint not in _HANDED_OVER or not isinstance(chat_id, int):
            return False
        async with services.database.write() as session:
            await queue_call(
                session=session,
                chat_id=chat_id,
                endpoint=endpoint,
                parameters=parameters_of(data),
                now=services.clock.now(),
            )
        logger.warning(
            "A reply (%s) to chat %d did not go; the outbox will send it", endpoint, chat_id
        )
        return True

    return hand_over


async def _wake(context: MesobotContext) -> None:
    """A job: wake the dispatcher (it works in its own task, so jobs stay short)."""
    dispatcher = context.bot_data.dispatcher
    if dispatcher is not None:
        dispatcher.wake()


async def start_outbox(application: MesobotApplication) -> None:
    """Build the dispatcher and wire its wake-ups: timers, the clock, and local enqueues."""
    services = application.bot_data.services
    job_queue = application.job_queue
    assert job_queue is not None
    loop = asyncio.get_running_loop()
    safety_interval = SAFETY_INTERVAL[services.database.engine.dialect.name]

    def schedule_wake(delay: float) -> None:
        if delay >= safety_interval:
            return  # the safety interval comes first anyway
        for job in job_queue.get_jobs_by_name(_NEXT_DUE_JOB):
            job.schedule_removal()
        job_queue.run_once(_wake, when=delay, name=_NEXT_DUE_JOB, job_kwargs=JOB_KWARGS)

    budget = budget_of(application)
    budget.hand_over = reply_hand_over(services)
    postgres = services.database.engine.dialect.name == "postgresql"
    if postgres and services.settings.mesobot_webhook_url:  # several processes send
        budget.shared = SharedBudget(services.database, budget.pacer)
    dispatcher = Dispatcher(
        database=services.database,
        clock=services.clock,
        sender=TelegramSender(application),
        kinds=services.outbox_kinds,
        staff_ids=services.settings.mesobot_staff_ids,
        languages=services.clinic.clinic.languages,
        pacer=budget.pacer,  # the budget the sender's calls pace with
        schedule_wake=schedule_wake,
    )
    application.bot_data.dispatcher = dispatcher
    job_queue.run_repeating(
        _wake, interval=safety_interval, name="outbox-safety", job_kwargs=JOB_KWARGS
    )
    # What fell due while the bot was stopped goes at once. (A repeating job added before the
    # scheduler starts first runs one interval after it starts, whatever `first` says.)
    job_queue.run_once(_wake, when=0, name=_NEXT_DUE_JOB, job_kwargs=JOB_KWARGS)

    def wake_soon() -> None:
        # Called from inside SQLAlchemy's greenlet or a test's code: defer to the loop.
        loop.call_soon_threadsafe(dispatcher.wake)

    application.bot_data.subscriptions += [
        services.clock.subscribe(wake_soon),
        on_outbox_commit(wake_soon),
    ]
    if postgres:
        # The leader is often another process (always, for webhook receivers): wake it.
        wakeups = CrossProcessWakeups(services.database, dispatcher.wake)
        await wakeups.start()
        application.bot_data.outbox_wakeups = wakeups

        def notify_soon() -> None:
            loop.call_soon_threadsafe(wakeups.notify_soon)

        application.bot_data.subscriptions.append(on_outbox_commit(notify_soon))


async def stop_outbox(application: MesobotApplication) -> None:
    """Stop the dispatcher: the messages in flight finish and the lock is released."""
    dispatcher, application.bot_data.dispatcher = application.bot_data.dispatcher, None
    if dispatcher is not None:
        await dispatcher.stop()
    wakeups, application.bot_data.outbox_wakeups = application.bot_data.outbox_wakeups, None
    if wakeups is not None:
        await wakeups.stop()
    budget_of(application).hand_over = None  # the database closes next
    budget_of(application).shared = None


async def on_my_chat_member(update: Update, context: MesobotContext) -> None:
    """A user unblocked (or started) the bot: their paused messages are due again."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    if change.new_chat_member.status != ChatMember.MEMBER:
        return  # blocking is noticed by the next 403, which also tells staff
    services = context.bot_data.services
    async with services.database.write() as session:
        resumed = await resume_recipient(
            session=session, chat_id=change.chat.id, now=services.clock.now()
        )
    if resumed:
        logger.info("Chat %d accepts the bot again; %d messages resumed", change.chat.id, resumed)


def feature(services: Services) -> Feature:
    """The dispatcher's life, and chats that unblock the bot (in the bookkeeping group)."""
    # Webhook mode's queued calls, and the direct replies the budget hands over.
    register_call_kind(services.outbox_kinds)
    return Feature(
        bookkeeping=[ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)],
        on_start=[start_outbox],
        on_stop=[stop_outbox],
    )
