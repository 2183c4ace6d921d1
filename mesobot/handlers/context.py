"""The Telegram side of the shared state: PTB's bot_data, typed, and the application's types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, JobQueue

from mesobot.handlers.telegram_bot import MesobotBot
from mesobot.outbox.dispatcher import Dispatcher
from mesobot.outbox.wakeups import CrossProcessWakeups
from mesobot.services import Services

if TYPE_CHECKING:
    from mesobot.handlers.feature import Feature


class BotData:
    """PTB's bot_data, typed. PTB builds it without arguments; `build_application` fills it."""

    services: Services
    # Set while the application runs (see mesobot.handlers.outbox).
    dispatcher: Dispatcher | None = None
    # Webhook mode (mesobot.handlers.inbox): wakes the inbox worker, and stops it.
    inbox_wake: Callable[[], None] | None = None
    stop_inbox: Callable[[], Awaitable[None]] | None = None
    outbox_wakeups: CrossProcessWakeups | None = None
    # What features subscribed to at start (the clock, outbox commits): undone at stop.
    subscriptions: list[Callable[[], None]]
    # The handler modules, in their order (app.features), for start-up and shutdown.
    features: Sequence[Feature]
    # Whether polling mode serves the calendar feeds (MESOBOT_PUBLIC_URL and MESOBOT_LISTEN
    # set), and the server while it runs (mesobot.web.serve.WebServer).
    serve_feeds: bool = False
    web_server: Any = None

    def __init__(self) -> None:
        self.subscriptions = []
        self.features = ()


MesobotContext = CallbackContext[MesobotBot, dict[Any, Any], dict[Any, Any], BotData]
MesobotApplication = Application[
    MesobotBot,
    MesobotContext,
    dict[Any, Any],
    dict[Any, Any],
    BotData,
    JobQueue[MesobotContext],
]
