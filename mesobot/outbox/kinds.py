"""The outbox's own message kinds: plain text, and the notices it sends staff about itself."""

from __future__ import annotations

from datetime import timedelta

from mesobot.i18n import translations
from mesobot.outbox.policies import (
    ALWAYS_SEND,
    KindRegistry,
    LateAction,
    LatePolicy,
    RenderedMessage,
    RenderRequest,
)

TEXT = "text"
RECIPIENT_UNREACHABLE = "outbox.recipient_unreachable"
MESSAGE_FAILED = "outbox.message_failed"


async def render_text(request: RenderRequest) -> RenderedMessage:
    """A text fixed when it was queued (HTML, already escaped by whoever queued it).

    For tests and tools only: its payload holds the text itself, and outbox rows are kept and
    exported, so no feature queues it; features' kinds hold ids and render at send time.
    """
    text = str(request.message.payload["text"])
    if request.late_by is not None:
        minutes = int(request.late_by / timedelta(minutes=1))
        late = translations(request.language).ngettext(
            "<i>(Sent {minutes} minute late.)</i>",
            "<i>(Sent {minutes} minutes late.)</i>",
            minutes,
        )
        text += "\n\n" + late.format(minutes=minutes)
    return RenderedMessage(text)


async def render_recipient_unreachable(request: RenderRequest) -> RenderedMessage:
    """Tells staff that a chat no longer accepts the bot; no content of its messages."""
    _ = translations(request.language).gettext
    payload = request.message.payload
    if payload.get("never_started"):
        text = _(
            "Chat {chat_id} has never started the bot, so it cannot be messaged. Its messages "
            "are paused until the patient opens the bot."
        )
    else:
        text = _(
            "Chat {chat_id} has blocked the bot. Its messages are paused until the patient "
            "unblocks it; please contact them another way if needed."
        )
    return RenderedMessage(text.format(chat_id=int(payload["chat_id"])))


async def render_message_failed(request: RenderRequest) -> RenderedMessage:
    """Tells staff that a message could not be delivered; its number, never its text."""
    payload = request.message.payload
    attempts = int(payload["attempts"])
    # Its number, not its kind's code name: whoever runs the bot finds the rest by number.
    return RenderedMessage(
        translations(request.language)
        .ngettext(
            "A message (number {message_id}) to chat {chat_id} could not be delivered after "
            "{attempts} attempt.",
            "A message (number {message_id}) to chat {chat_id} could not be delivered after "
            "{attempts} attempts.",
            attempts,
        )
        .format(
            message_id=int(payload["message_id"]),
            chat_id=int(payload["chat_id"]),
            attempts=attempts,
        )
    )


def default_kinds() -> KindRegistry:
    """A registry holding the outbox's own kinds; features add theirs to it."""
    kinds = KindRegistry()
    kinds.register(
        TEXT,
        render=render_text,
        # Plain texts are staff notices and tests: late, they still go, saying so.
        late_policy=LatePolicy(action=LateAction.SEND_WITH_LATENESS),
    )
    kinds.register(
        RECIPIENT_UNREACHABLE,
        render=render_recipient_unreachable,
        late_policy=ALWAYS_SEND,
        for_staff=True,
    )
    kinds.register(
        MESSAGE_FAILED, render=render_message_failed, late_policy=ALWAYS_SEND, for_staff=True
    )
    return kinds
