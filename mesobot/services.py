"""What every handler and job shares: settings, clock, database, codec and clinic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from mesobot.callbacks import CallbackCodec
from mesobot.clock import Clock
from mesobot.config import Settings
from mesobot.db import Database
from mesobot.lifecycle import DEFAULT_OBSERVERS, Observer
from mesobot.outbox.dispatcher import Dispatcher
from mesobot.outbox.kinds import default_kinds
from mesobot.outbox.policies import KindRegistry

if TYPE_CHECKING:
    from mesobot.clinic import Clinic


@dataclass(frozen=True)
class Services:
    """The running bot's collaborators, built once in `build_application`."""

    settings: Settings
    clock: Clock
    database: Database
    codec: CallbackCodec
    clinic: Clinic
    # Features register their message kinds here while the application is built.
    outbox_kinds: KindRegistry = field(default_factory=default_kinds)
    # Features that hang off sessions (care messages, calendar files) register here.
    session_observers: list[Observer] = field(default_factory=lambda: list(DEFAULT_OBSERVERS))

    def is_staff(self, user_id: int | None) -> bool:
        """Whether a Telegram user is one of the clinic's staff."""
        return user_id is not None and user_id in self.settings.mesobot_staff_ids


class BotData:
    """PTB's bot_data, typed. PTB builds it without arguments; `build_application` fills it."""

    services: Services
    # Set while the application runs (see mesobot.handlers.outbox).
    dispatcher: Dispatcher | None = None
    outbox_unsubscribe: list[Callable[[], None]]

    def __init__(self) -> None:
        self.outbox_unsubscribe = []


MesobotContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
MesobotApplication = Application[
    ExtBot[None], MesobotContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[MesobotContext]
]
