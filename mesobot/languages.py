"""/language without Telegram: its button data and its buttons, one per declared language.

Each language is named in itself ("Español", "Deutsch"), so that someone who cannot read the
current one still finds theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from babel import Locale

from mesobot.callbacks import ButtonData, CallbackCodec, button
from mesobot.screens import InlineRows, Row, inline_rows


@button("lg")
@dataclass(frozen=True)
class LanguageChoice(ButtonData):
    """A tap on one of /language's buttons: the language code chosen."""

    code: str
    max_lengths: ClassVar[dict[str, int]] = {"code": 8}


def language_name(code: str) -> str:
    """The language's name in itself, capitalised: "English", "Español", "Português"."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_rows(codec: CallbackCodec, declared: Sequence[str], current: str) -> InlineRows:
    """A button per declared language, two to a row; the current one ticked."""
    labels: Row = [
        (("✓ " if code == current else "") + language_name(code), LanguageChoice(code))
        for code in declared
    ]
    return inline_rows(codec, [labels[i : i + 2] for i in range(0, len(labels), 2)])
