"""Webhook mode's replies: a handler's Bot API call becomes an outbox row, and back a call.

Inside an update's unit of work (`mesobot.db.Database.update_transaction`) the bot's rate
limiter (`mesobot.handlers.budget`) hands every chat-changing call here instead of making it:
its parameters are made JSON-ready as PTB would post them (a file as base64) and queued
(`mesobot.outbox.calls`) in the unit's transaction. The handler gets a stand-in result: a
posted message's `message_id` is then the negative of its row's id (`queued_message_ids`
tells a reply's target by either id), an edit or an answer gets True.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InputFile

# How PTB itself turns a call's arguments into posted strings (not re-exported by PTB).
from telegram.request._requestparameter import RequestParameter

from mesobot.outbox.calls import queue_call, sent_as
from mesobot.services import Services

Result = bool | dict[str, Any] | list[dict[str, Any]]
QueueCall = Callable[[str, dict[str, Any]], Awaitable[Result]]

_FILE = "mesobot.file"  # marks a parameter that is a file's content
# Calls that post a message, whose stand-in is that message.
_POSTING = ("send", "copyMessage", "forwardMessage")

# The chat of the update being handled: the recipient of calls that name no chat (answering
# a button press, a chat's command menu), so that they keep their place in its order.
_update_chat: ContextVar[int | None] = ContextVar("update_chat", default=None)


@contextmanager
def calls_for_chat(chat_id: int | None) -> Iterator[None]:
    """Queue the calls that name no chat for `chat_id` while the block runs."""
    token = _update_chat.set(chat_id)
    try:
        yield
    finally:
        _update_chat.reset(token)


def is_queued(endpoint: str) -> bool:
    """Whether a handler's call of `endpoint` is queued: everything but reads (and the
    typing indicator, worth nothing once late)."""
    return not endpoint.startswith("get") and endpoint != "sendChatAction"


def posts_message(endpoint: str) -> bool:
    """Whether a call of `endpoint` posts a message (its stand-in is that message)."""
    return endpoint.startswith(_POSTING)


def parameters_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """The call's parameters as PTB would post them (JSON strings), files as base64."""
    parameters: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, InputFile):
            content = value.input_file_content
            raw = content if isinstance(content, bytes) else content.read()
            encoded = base64.b64encode(raw).decode("ascii")
            parameters[key] = {_FILE: encoded, "filename": value.filename}
            continue
        parameter = RequestParameter.from_input(key, value)
        if parameter.input_files:
            raise ValueError(f"{key}: files inside other parameters cannot be queued")
        parameters[key] = parameter.json_value
    return parameters


def call_arguments(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The queued parameters back as `Bot.do_api_request` takes them."""
    arguments: dict[str, Any] = {}
    for key, value in parameters.items():
        if isinstance(value, dict) and _FILE in value:
            content = base64.b64decode(value[_FILE])
            arguments[key] = InputFile(content, filename=value.get("filename"))
        else:
            arguments[key] = value
    return arguments


def stand_in(endpoint: str, data: Mapping[str, Any], row_id: int) -> Result:
    """What the handler gets for a queued call: the message as it will be, or True."""
    if not posts_message(endpoint):
        return True
    if endpoint == "copyMessage":
        return {"message_id": -row_id}
    chat_id = int(data["chat_id"])
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
    message: dict[str, Any] = {"message_id": -row_id, "date": int(time.time()), "chat": chat}
    if "text" in data:
        message["text"] = str(data["text"])
    return message


def call_queue(services: Services) -> QueueCall:
    """Queues a call in the running unit of work (its `Database.write()` joins it)."""

    async def queue(endpoint: str, data: dict[str, Any]) -> Result:
        chat_id = data.get("chat_id")
        recipient = chat_id if isinstance(chat_id, int) else _update_chat.get()
        if recipient is None:
            raise ValueError(f"{endpoint} names no chat, and no update's chat is known")
        parameters = parameters_of(data)
        async with services.database.write() as session:
            row_id = await queue_call(
                session=session,
                chat_id=recipient,
                endpoint=endpoint,
                parameters=parameters,
                now=services.clock.now(),
            )
        return stand_in(endpoint, data, row_id)

    return queue


async def queued_message_ids(*, session: AsyncSession, chat_id: int, message_id: int) -> set[int]:
    """The ids a message the bot sent may be stored under: Telegram's `message_id`, and the
    stand-in id a queued call's handler was given for it (webhook mode)."""
    row_id = await sent_as(session=session, chat_id=chat_id, message_id=message_id)
    return {message_id} if row_id is None else {message_id, -row_id}
