"""Splitting long HTML texts into Telegram messages without cutting a tag or an entity."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable

TELEGRAM_LIMIT = 4096
# A tag, an entity, or one character: the units a cut may fall between.
_TOKEN = re.compile(r"<[^>]*>|&[#A-Za-z0-9]+;|.", re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z-]+)[^>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")
# Telegram trims a message before refusing an empty one, with a set of its own that is not
# documented and is not Python's: Python's str.strip() trims "\x85" and no-break spaces, while
# Telegram also blanks control characters and drops some format characters (bidi marks). So no
# one set is "the" whitespace. What matters is that no message shows nothing: a message made only
# of whitespace (str.isspace()), control (Cc) and format (Cf) characters shows nothing whatever
# Telegram trims, so dropping it loses nothing a reader sees, while sending it risks "message
# text is empty". The widest of these sets is therefore the safe one.
_SHOWS_NOTHING_CATEGORIES = frozenset({"Cc", "Cf"})


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts (the raw HTML is never shorter)."""
    return len(text.encode("utf-16-le")) // 2


def shows_nothing(message: str) -> bool:
    """Whether an HTML message, read as Telegram reads it, has no character a reader can see."""
    text = html.unescape(_ANY_TAG.sub("", message))
    return all(
        char.isspace() or unicodedata.category(char) in _SHOWS_NOTHING_CATEGORIES for char in text
    )


def _cut_line(line: str, limit: int) -> list[str]:
    """Cut one over-long line between tokens, closing open tags and reopening them after.

    An opening tag waits for the token after it, so that no piece ends in an empty element.
    """
    pieces: list[str] = []
    current = ""
    open_tags: list[tuple[str, str]] = []  # (name, opening tag as written)
    waiting: list[tuple[str, str]] = []  # opened, not yet followed by anything
    for match in _TOKEN.finditer(line):
        token = match.group(0)
        tag = _TAG.fullmatch(token)
        if tag and not tag.group(1):
            waiting.append((tag.group(2).lower(), token))
            continue
        every = open_tags + waiting
        openings = "".join(opening for _, opening in waiting)
        closing = "".join(f"</{name}>" for name, _ in reversed(every))
        # A closing tag never needs a cut before it: the piece already counted it.
        fits = bool(tag) or _units(current + openings + token + closing) <= limit
        if current and not fits:
            pieces.append(current + "".join(f"</{name}>" for name, _ in reversed(open_tags)))
            current = "".join(opening for _, opening in open_tags)
        current += openings + token
        open_tags, waiting = every, []
        if tag and open_tags and open_tags[-1][0] == tag.group(2).lower():
            open_tags.pop()
    current += "".join(opening for _, opening in waiting)
    if current:
        pieces.append(current)
    return pieces


def split_html_messages(lines: Iterable[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Join `lines` with newlines into as few messages of at most `limit` units as possible.

    A message breaks between lines; only a line longer than `limit` by itself is cut, between
    tags and entities, with its open tags closed before the cut and reopened after. Each line
    should be balanced HTML (every tag it opens, it closes), as the bot's lines are. A message
    that would show nothing (see `shows_nothing`) is left out wherever it falls: Telegram refuses
    an empty message, and such a message says nothing.
    """
    messages: list[str] = []
    current: str | None = None
    for line in lines:
        for piece in _cut_line(line, limit) if _units(line) > limit else [line]:
            if current is not None and _units(current) + 1 + _units(piece) <= limit:
                current += "\n" + piece
                continue
            if current is not None and not shows_nothing(current):
                messages.append(current)
            current = piece
    if current is not None and not shows_nothing(current):
        messages.append(current)
    return messages


# How far back from the cut a word boundary is looked for, so that a word is not cut in two.
_WORD_SLACK = 80


def fitted(
    render: Callable[[str], str], value: str, more: str, limit: int = TELEGRAM_LIMIT
) -> str:
    """`render(escaped value)` as one message: whole if it fits in `limit`, otherwise with
    `value` cut at a word and followed by "… " and `more` (HTML, such as a pointer to where
    the rest can be read).

    The cut is made in the plain text before escaping, so no entity is split; `render` must
    put its argument once into balanced HTML, as the bot's texts do.
    """
    whole = render(html.escape(value, quote=True))
    if _units(whole) <= limit:
        return whole
    tail = "… " + more
    room = max(limit - _units(render(tail)), 0)
    used = cut = 0
    for index, character in enumerate(value):
        used += _units(html.escape(character, quote=True))
        if used > room:
            break
        cut = index + 1
    space = value.rfind(" ", max(cut - _WORD_SLACK, 0), cut)
    kept = value[: space if space > 0 else cut].rstrip()
    return render(html.escape(kept, quote=True) + tail)
