"""What the care handlers share: decoding their buttons, and matching them to handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from telegram import CallbackQuery, Update, User

from mesobot.callbacks import VERSION, ButtonData
from mesobot.handlers.context import MesobotContext

B = TypeVar("B", bound=ButtonData)


async def decoded(
    update: Update, context: MesobotContext, kind: type[B]
) -> tuple[CallbackQuery, User, B] | None:
    """The button's data if it is of `kind` and ours; forged data is answered quietly."""
    query, user = update.callback_query, update.effective_user
    data = context.bot_data.services.codec.decode(query.data if query else None)
    if query is None or user is None or not isinstance(data, kind):
        if query is not None:
            await query.answer()
        return None
    return query, user, data


def data_of(kind: type[ButtonData]) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: data of this kind (checked for real when decoded)."""
    prefix = f"{VERSION}{kind.kind}."
    return lambda data: isinstance(data, str) and data.startswith(prefix)
