"""What every rendered text is checked for, in every language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from babel.messages.pofile import read_po

from mesobot.i18n import LOCALE_DIR, available_languages
from mesobot.outbox.policies import RenderedMessage
from mesobot.screens import InlineRows, SharePhone
from tests.factories import sample_clinic

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


def problems(where: str, text: str, labels: Iterable[str], language: str) -> list[str]:
    """What is wrong with one rendered text and its buttons. A raw key is a snake_case word
    (facial_rejuvenation, never_had, love_handles): no reader's word is written so."""
    labels = list(labels)
    found = english_in(where, [TAG.sub("", text), *labels], language)
    found += [
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


# Words written the same in English and in another language, reviewed one by one: they may
# appear in that language's texts. Names, codes and numbers never match (see `_fragments`).
SAME_IN_BOTH: dict[str, set[str]] = {
    "de": {"Abdomen", "Chat", "Name", "Patient"},
    "es": {"Abdomen", "No", "no"},
    "fr": {"Abdomen", "Allergies", "Description", "Patient", "Questionnaire", "minutes"}
    | {"photo", "photos"},
    "it": {"Nausea", "No", "no"},
    "pt": {"no"},  # "in the"
}
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _fragments(english: str) -> Iterable[str]:
    """The literal pieces of an English text: what lies between its tags and placeholders,
    trimmed of punctuation, that holds a word of two letters or more."""
    for piece in re.split(r"<[^>]+>|\{[a-z_]*\}|\n", english):
        piece = piece.strip(" \t.,:;!?()·—\u2013-\"'/*")
        if _WORD.search(piece):
            yield piece


@cache
def _english_texts() -> tuple[re.Pattern[str], ...]:
    """Every English catalog text, and every English text of the sample clinic file, as
    patterns matching any of its literal pieces as whole words."""
    with (LOCALE_DIR / "messages.pot").open("rb") as source:
        template = read_po(source)
    texts: list[str] = []
    for message in template:
        if message.id:
            texts += message.id if isinstance(message.id, tuple) else [message.id]
    clinic = sample_clinic()
    for treatment in clinic.treatments.values():
        for text in (
            treatment.name,
            treatment.summary,
            treatment.contents,
            treatment.side_effects,
        ):
            texts.append(text.in_language("en"))
    pieces = sorted({piece for text in texts for piece in _fragments(text)}, key=len, reverse=True)
    return tuple(re.compile(rf"(?<![\w/]){re.escape(piece)}(?!\w)") for piece in pieces)


def english_in(where: str, shown: list[str], language: str) -> list[str]:
    """English catalog or clinic-file text in a render for another language."""
    if language == "en":
        return []
    allowed = SAME_IN_BOTH.get(language, set())
    found = []
    for text in shown:
        for pattern in _english_texts():
            match = pattern.search(text)
            if match and match.group() not in allowed:
                found.append(f"{where}: English {match.group()!r} in {text[:80]!r}")
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
