"""A renderer can return a document: it is sent as a Telegram document with its caption."""

from __future__ import annotations

import pytest

from mesobot.outbox.api import enqueue
from mesobot.outbox.policies import (
    ALWAYS_SEND,
    CAPTION_LIMIT,
    Button,
    Document,
    RenderedMessage,
    RenderRequest,
)
from tests.outbox.conftest import RunningBot

CONTENT = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


async def _render_document(request: RenderRequest) -> RenderedMessage:
    return RenderedMessage(
        f"<b>Your file</b> {request.message.payload['n']}",
        buttons=((Button("Open", "x"),),),
        document=Document("appointments.ics", CONTENT),
    )


async def test_a_rendered_document_arrives_with_its_bytes_name_and_html_caption(
    running_bot: RunningBot,
) -> None:
    services = running_bot.application.bot_data.services
    services.outbox_kinds.register(
        "test.document", render=_render_document, late_policy=ALWAYS_SEND
    )
    anna = running_bot.started_user()
    now = services.clock.now()
    async with services.database.write() as session:
        await enqueue(
            session=session,
            recipient=anna.id,
            kind="test.document",
            payload={"n": 1},
            due_at=now,
            idempotency_key="document:1",
            now=now,
        )
    message = await anna.next_bot_message(within=10)
    assert message.document is not None
    assert message.document.content == CONTENT
    assert message.document.file_name == "appointments.ics"
    assert message.caption == "Your file 1"  # the HTML was parsed: <b> became an entity
    assert message.caption_entities[0]["type"] == "bold"
    assert message.text is None


def test_a_caption_longer_than_telegram_allows_is_refused_when_rendered() -> None:
    document = Document("a.ics", CONTENT)
    RenderedMessage("x" * CAPTION_LIMIT, document=document)
    with pytest.raises(ValueError, match="caption"):
        RenderedMessage("😀" * (CAPTION_LIMIT // 2 + 1), document=document)  # two units each
    RenderedMessage("x" * (CAPTION_LIMIT + 1))  # a text message is not a caption
