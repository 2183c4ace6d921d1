"""Screens and keyboards without Telegram: what the bot shows, which the edge turns into markup.

A feature answers with `Screen`s; `mesobot/handlers/markup.py` is the one place that turns
their keyboards into Telegram's markup. Button data is encoded here, through the codec, so the
edge only sees labels and signed strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from mesobot.callbacks import ButtonData, CallbackCodec


@dataclass(frozen=True)
class Button:
    """An inline button, described without Telegram's types (the edge builds the markup)."""

    label: str
    callback_data: str


# Inline buttons, row by row, as the outbox's rendered messages carry them too.
InlineRows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class SharePhone:
    """A reply keyboard of one button that shares the user's phone number."""

    label: str


@dataclass(frozen=True)
class RemoveKeyboard:
    """Take away a reply keyboard shown earlier (the share-phone button)."""


Keyboard = InlineRows | SharePhone | RemoveKeyboard | None

# A row of buttons before encoding: each label with the data its tap sends.
Row = list[tuple[str, ButtonData]]


@dataclass(frozen=True)
class Screen:
    """One message to send: HTML text and its keyboard."""

    text: str
    keyboard: Keyboard = None

    def led_by(self, lead: str | None) -> Screen:
        """The same screen with `lead` (an explanation, in italics) above its text."""
        return replace(self, text=f"<i>{lead}</i>\n\n{self.text}") if lead else self


def inline_rows(codec: CallbackCodec, rows: Iterable[Row]) -> InlineRows:
    """Inline buttons whose data goes through the codec; empty rows are left out."""
    return tuple(
        tuple(Button(label, codec.encode(data)) for label, data in row) for row in rows if row
    )
