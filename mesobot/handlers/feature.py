"""The one entry point every handler module exposes: what it adds to the application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from telegram.ext import BaseHandler

from mesobot.handlers.context import MesobotApplication, MesobotContext

Handler = BaseHandler[Any, MesobotContext, Any]
Hook = Callable[[MesobotApplication], Awaitable[None]]
ErrorCallback = Callable[[object, MesobotContext], Coroutine[Any, Any, None]]

# PTB's handler groups: within a group the first handler that matches takes the update; each
# group sees every update, lower numbers first.
FIRST, MAIN, BOOKKEEPING = -1, 0, 1


@dataclass(frozen=True)
class Feature:
    """A module's handlers by group, its start-up and shutdown work, and an error handler."""

    # Commands, buttons and typed answers.
    handlers: Sequence[Handler] = ()
    # Before every other feature: for messages that must not reach the booking flow.
    first: Sequence[Handler] = ()
    # After group 0, whatever it did with the update.
    bookkeeping: Sequence[Handler] = ()
    on_start: Sequence[Hook] = ()
    on_stop: Sequence[Hook] = ()
    on_error: ErrorCallback | None = None


def add_features(application: MesobotApplication, features: Sequence[Feature]) -> None:
    """Register every feature's handlers, group by group, in the order of `features`."""
    for feature in features:
        application.add_handlers(list(feature.first), group=FIRST)
    for feature in features:
        application.add_handlers(list(feature.handlers), group=MAIN)
    for feature in features:
        application.add_handlers(list(feature.bookkeeping), group=BOOKKEEPING)
    for feature in features:
        if feature.on_error is not None:
            application.add_error_handler(feature.on_error)
