"""What every rendered text is checked for, in every language."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mesobot.i18n import available_languages
from mesobot.outbox.policies import RenderedMessage
from mesobot.screens import InlineRows, SharePhone

LANGUAGES = sorted(available_languages())
BUTTON_LIMIT = 32
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TAG = re.compile(r"<[^>]+>")
# Nouns that follow a count, in the plural, in every language the catalogs hold: one of them
# after a lone "1" is a count that skipped ngettext.
PLURAL_NOUNS = {
    # English
    "sessions", "hours", "days", "minutes", "weeks", "years", "requests", "photos",
    "closures", "attempts", "changes", "appointments", "treatments", "courses", "messages",
    # Spanish
    "sesiones", "horas", "días", "minutos", "semanas", "años", "solicitudes", "fotos",
    "cierres", "intentos", "cambios", "citas", "tratamientos", "mensajes",
}  # fmt: skip
# Problems another section of issue 16 fixes (staff request notices' questionnaire labels),
# landing on its own branch: remove the entry once it has.
AWAITING: set[tuple[str, str]] = set()  # known problems waiting for their fix (none now)
LONE_ONE = re.compile(r"(?<![\d.,:/])\b1 (\w+)")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def problems(where: str, text: str, labels: Iterable[str]) -> list[str]:
    """What is wrong with one rendered text and its buttons. A raw key is a snake_case word
    (facial_rejuvenation, never_had, love_handles): no reader's word is written so."""
    found = [
        f"{where}: button {label!r} is {len(label)} characters"
        for label in labels
        if len(label) > BUTTON_LIMIT
    ]
    for shown in [TAG.sub("", text), *labels]:
        found += [f"{where}: ISO date {m!r}" for m in ISO_DATE.findall(shown)]
        found += [f"{where}: raw key {m!r}" for m in SNAKE_CASE.findall(shown)]
        found += [
            f"{where}: '1 {noun}' is not pluralised"
            for noun in LONE_ONE.findall(shown)
            if noun.lower() in PLURAL_NOUNS
        ]
    return found


def labels_of(message: RenderedMessage) -> list[str]:
    """Every button label of a rendered message."""
    return [button.label for row in message.buttons for button in row]


def keyboard_labels(keyboard: object) -> list[str]:
    """The labels of a screen's keyboard: inline rows, or the share-phone button."""
    if isinstance(keyboard, SharePhone):
        return [keyboard.label]
    if isinstance(keyboard, tuple):
        rows: InlineRows = keyboard
        return [button.label for row in rows for button in row]
    return []
