"""Messages as the page shows them: text and entities back to a safe subset of HTML.

The page sets what this returns as innerHTML, so everything here is escaped text wrapped in
tags chosen from a fixed list: nothing a message says can become markup.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

from botapi_emulator.state import ApiObject, Message

# Entity type -> (opening tag, closing tag); the ones missing are shown as plain text.
_SIMPLE_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
    "bot_command": ('<span class="command">', "</span>"),
}
_SAFE_SCHEMES = {"http", "https", "tg", "mailto", "tel"}
# Telegram's clients make "/command" in a message clickable; so does the page.
_COMMAND = re.compile(r"(?<![^\s(])/[a-z][a-z0-9_]{0,31}\b")


def _text(segment: str) -> str:
    """Escaped text, with each /command marked so that the page can send it when clicked."""
    return _COMMAND.sub(
        lambda match: f'<span class="command">{match.group()}</span>', escape(segment, quote=False)
    )


def safe_url(url: str) -> str | None:
    """The URL if its scheme is harmless (never javascript: or data:), else None."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in _SAFE_SCHEMES else None


def _tags(entity: ApiObject, text: str) -> tuple[str, str] | None:
    kind = entity.get("type")
    if kind in _SIMPLE_TAGS:
        return _SIMPLE_TAGS[str(kind)]
    url = {"text_link": entity.get("url"), "url": text}.get(str(kind))
    if isinstance(url, str) and (safe := safe_url(url)) is not None:
        href = escape(quote(safe, safe=":/?#[]@!$&'()*+,;=%~-._"), quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
    return None


def to_html(text: str | None, entities: list[ApiObject]) -> str:
    """Plain text and its MessageEntity list (UTF-16 offsets) as escaped HTML."""
    if not text:
        return ""
    units = text.encode("utf-16-le")

    def piece(start: int, end: int) -> str:
        return units[2 * start : 2 * end].decode("utf-16-le", errors="replace")

    opens: dict[int, list[tuple[int, str, str]]] = {}
    for entity in entities:
        start, length = int(entity["offset"]), int(entity["length"])
        tags = _tags(entity, piece(start, start + length))
        if tags is not None and length > 0:
            opens.setdefault(start, []).append((start + length, *tags))
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (end, closing tag), innermost last
    position, total = 0, len(units) // 2
    boundaries = sorted({0, total, *opens, *(e for o in opens.values() for e, *_ in o)})
    for boundary in boundaries:
        out.append(_text(piece(position, boundary)))
        position = boundary
        while stack and stack[-1][0] <= boundary:
            out.append(stack.pop()[1])
        # Longer entities first, so that they enclose the shorter ones starting here.
        for end, opening, closing in sorted(opens.get(boundary, []), reverse=True):
            out.append(opening)
            stack.append((end, closing))
    out.extend(closing for _end, closing in reversed(stack))
    return "".join(out).replace("\n", "<br>")


def inline_keyboard(message: Message) -> list[list[dict[str, str]]]:
    """The message's inline buttons, row by row: callback data, a safe URL, or neither."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    shown = []
    for row in rows:
        buttons = []
        for button in row:
            item = {"text": str(button["text"])}
            if "callback_data" in button:
                item["data"] = str(button["callback_data"])
            elif (url := safe_url(str(button.get("url", "")))) is not None:
                item["url"] = url
            buttons.append(item)
        shown.append(buttons)
    return shown


def message_json(message: Message) -> dict[str, Any]:
    """One message for the page."""
    shown: dict[str, Any] = {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "sender": message.sender.first_name,
        "date": message.date,
        "html": to_html(message.text, message.entities),
        "caption_html": to_html(message.caption, message.caption_entities),
        "edited": message.edit_date is not None,
        "deleted": message.deleted,
        "buttons": [] if message.deleted else inline_keyboard(message),
    }
    if message.photo is not None:
        shown["photo"] = f"/api/file/{quote(message.photo.file_id)}"
    if message.document is not None:
        name = message.document.file_name or "file"
        shown["document"] = {"url": f"/api/file/{quote(message.document.file_id)}", "name": name}
    if message.contact is not None:
        shown["contact"] = str(message.contact.get("phone_number", ""))
    if message.venue is not None:
        shown["venue"] = {"title": message.venue["title"], "address": message.venue["address"]}
    return shown


def reply_keyboard(markup: ApiObject | None) -> dict[str, Any] | None:
    """The chat's reply keyboard for the page, or None."""
    if markup is None:
        return None
    rows = [
        [
            {"text": str(b["text"]), "contact": bool(b.get("request_contact"))}
            if isinstance(b, dict)
            else {"text": str(b), "contact": False}
            for b in row
        ]
        for row in markup.get("keyboard", [])
    ]
    placeholder = markup.get("input_field_placeholder")
    return {"rows": rows, "placeholder": str(placeholder) if placeholder else ""}
