"""Message kinds: how each is rendered at send time and what happens when it is late."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.outbox.queued import QueuedMessage
from mesobot.screens import Button as Button  # re-exported: the message kinds use it


class LateAction(StrEnum):
    """What to do with a message claimed after its time (beyond the kind's grace)."""

    SEND = "send"  # send it as it is
    SEND_WITH_LATENESS = "send_with_lateness"  # the renderer words it for its lateness
    DROP = "drop"  # drop it and log: it no longer helps anyone


@dataclass(frozen=True)
class LatePolicy:
    """A kind's lateness rule: within `grace` a message is on time; past `max_lateness`,
    it is dropped whatever `action` says (None: never too late, as for staff alerts)."""

    action: LateAction = LateAction.SEND
    grace: timedelta = timedelta(minutes=5)
    max_lateness: timedelta | None = None

    def decide(self, late_by: timedelta) -> LateAction | None:
        """None when the message is on time; otherwise the action for its lateness."""
        if late_by <= self.grace:
            return None
        if self.max_lateness is not None and late_by > self.max_lateness:
            return LateAction.DROP
        return self.action


# Staff alerts and notices always go, however late.
ALWAYS_SEND = LatePolicy(action=LateAction.SEND, max_lateness=None)


# Telegram's limit on a document's caption, in UTF-16 code units of the text after parsing.
CAPTION_LIMIT = 1024


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Document:
    """A file to send as a Telegram document, described without Telegram's types."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class ApiCall:
    """A Bot API call as a handler made it (webhook mode queues them): its endpoint and its
    parameters, JSON-ready (files as base64, `mesobot.handlers.queued_calls`)."""

    endpoint: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready to send: HTML text and optional rows of inline buttons.

    With a `photo_file_id` (a Telegram file_id), the photo is sent and `text` captions it (or
    follows it, when too long for a caption).

    With a `document`, the message is that file and `text` is its caption, which must fit in
    Telegram's caption limit (checked on the HTML as given, which is never shorter than what
    Telegram counts after parsing it).

    With a `call`, that call is made as it is, and the rest is not used.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Document | None = None
    photo_file_id: str | None = None
    call: ApiCall | None = None

    def __post_init__(self) -> None:
        if self.document is not None and telegram_length(self.text) > CAPTION_LIMIT:
            raise ValueError(f"a caption is limited to {CAPTION_LIMIT} characters")


@dataclass(frozen=True)
class RenderRequest:
    """What a renderer gets: the message (a value, not the row), the recipient's language and
    how late it is (if late)."""

    # For reading only: rendering writes nothing, so it takes no write lock (SQLite).
    session: AsyncSession
    message: QueuedMessage
    language: str
    late_by: timedelta | None


# A renderer returns None when there is nothing left to say (its subject is gone): the row
# is then cancelled instead of sent.
Renderer = Callable[[RenderRequest], Awaitable[RenderedMessage | None]]


@dataclass(frozen=True)
class MessageKind:
    """One kind of message: its renderer, its late policy, and whether staff are its readers."""

    name: str
    render: Renderer
    late_policy: LatePolicy
    for_staff: bool = False


@dataclass
class KindRegistry:
    """The kinds the dispatcher knows; features register theirs when the application is built."""

    kinds: dict[str, MessageKind] = field(default_factory=dict)

    def register(
        self,
        name: str,
        *,
        render: Renderer,
        late_policy: LatePolicy,
        for_staff: bool = False,
    ) -> MessageKind:
        """Add a kind; registering one name twice is a programming error."""
        if name in self.kinds:
            raise ValueError(f"message kind {name!r} is already registered")
        kind = MessageKind(name, render, late_policy, for_staff)
        self.kinds[name] = kind
        return kind

    def get(self, name: str) -> MessageKind | None:
        """The kind called `name`, if registered."""
        return self.kinds.get(name)
