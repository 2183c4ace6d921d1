"""Translations of the bot's fixed texts: gettext catalogs compiled from the .po files at start."""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "en"  # the catalogs' source language: msgids are English


def N_(message: str) -> str:
    """Mark a text for translation where it is defined; translate it where it is shown."""
    return message


@cache
def available_languages() -> frozenset[str]:
    """English plus every language with a catalog under mesobot/locale."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")}
    return frozenset({DEFAULT_LANGUAGE, *found})


def pick_language(language_code: str | None, declared: Sequence[str]) -> str:
    """The language to use for a Telegram `language_code` such as "es" or "pt-br": its base
    language if the clinic declares it, else the clinic's first declared language."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in declared:
            return base
    return declared[0]


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for `language`; English (the msgids themselves) when there is none."""
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po_file.exists():
        return gettext.NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    # Compiling in memory keeps binary .mo files out of the repository.
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
