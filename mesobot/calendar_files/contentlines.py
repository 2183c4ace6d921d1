"""RFC 5545 content lines: text escaping, UTC date-times and folding at 75 octets.

mesobot writes its own content lines instead of going through icalendar's serializer because
icalendar 7.3 turns a literal backslash-N in a text into a line break when it escapes it, and
because owning these few lines keeps the golden files independent of a library's formatting.
icalendar stays one of the parsers that check the output in the tests.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

CRLF = "\r\n"
MAX_LINE_OCTETS = 75  # RFC 5545 section 3.1, excluding the CRLF

# Line breaks that some parsers split on (Python's str.splitlines does): they become a real
# line break in the text, which is escaped as \n, so that no parser can cut a line in two.
_LINE_BREAKS = re.compile("\r\n|[\r\u0085\u2028\u2029]")
_TEXT_SPECIALS = re.compile(r"([\\;,])")
_JOINERS = "\u200c\u200d"  # zero-width (non-)joiners, which belong to their neighbours
_MAX_BACKOFF = 24  # characters a fold may move back to find a nicer place


def clean_text(text: str) -> str:
    """`text` as it can be carried by a TEXT value: line breaks as \\n, no other controls.

    RFC 5545 TEXT allows no control character but HTAB (a line break is escaped), and a lone
    surrogate cannot be written as UTF-8 at all, so both are dropped.
    """
    text = _LINE_BREAKS.sub("\n", text)
    return "".join(
        char for char in text if char in "\t\n" or unicodedata.category(char) not in ("Cc", "Cs")
    )


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 section 3.3.11): backslash, semicolon, comma and newline escaped."""
    return _TEXT_SPECIALS.sub(r"\\\1", clean_text(text)).replace("\n", "\\n")


def quote_parameter(value: str) -> str:
    """A parameter value in double quotes, which it cannot contain (RFC 5545 section 3.1)."""
    flat = " ".join(clean_text(value).replace('"', "'").split())
    return f'"{flat}"'


def format_utc(instant: datetime) -> str:
    """A DATE-TIME in UTC form (`20260303T090000Z`), which every parser reads the same."""
    if instant.tzinfo is None:
        raise ValueError("a calendar instant must be timezone-aware")
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fits(text: str, octets: int) -> int:
    """How many characters of `text`, from its start, fit in `octets` octets of UTF-8."""
    used = 0
    for index, char in enumerate(text):
        used += len(char.encode("utf-8"))
        if used > octets:
            return index
    return len(text)


def _good_break(text: str, index: int) -> bool:
    """Whether a fold before `text[index]` keeps each line free of edge spaces and marks."""
    # RFC 5545 allows a fold between any two characters, but some apps strip spaces at the
    # ends of lines or draw a combining mark apart from its letter, so such folds are avoided.
    before, after = text[index - 1], text[index]
    return not (
        before.isspace()
        or before == "\\"
        or after.isspace()
        or before in _JOINERS
        or after in _JOINERS
        or unicodedata.category(after).startswith("M")
    )


def fold(line: str) -> str:
    """`line` folded so that no physical line exceeds 75 octets, never inside a character.

    A continuation line starts with one space, which counts towards its 75 octets. Folds go
    where neither side is a space or a combining character, unless a run of them is too long.
    """
    pieces: list[str] = []
    room = MAX_LINE_OCTETS
    while len(line.encode("utf-8")) > room:
        cut = _fits(line, room)
        nicer = next(
            (i for i in range(cut, max(cut - _MAX_BACKOFF, 0), -1) if _good_break(line, i)),
            cut,
        )
        pieces.append(line[:nicer])
        line = line[nicer:]
        room = MAX_LINE_OCTETS - 1  # the leading space of a continuation line
    pieces.append(line)
    return (CRLF + " ").join(pieces)


def content_line(name: str, value: str, **parameters: str) -> str:
    """One folded content line without its CRLF; `value` must already be in its ical form.

    Parameter names are given in Python spelling (`cn`) and written upper-case (`CN`).
    """
    params = "".join(f";{key.upper()}={param}" for key, param in parameters.items())
    return fold(f"{name}{params}:{value}")
