"""Every translation can stand in for its English text: same placeholders, same HTML tags."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from mesobot.i18n import LOCALE_DIR, available_languages, translations

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+[^>]*>")
LANGUAGES = sorted(available_languages() - {"en"})


def _entries(language: str) -> list[tuple[str, str]]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    pairs: list[tuple[str, str]] = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(ids[-1] if n else ids[0], text) for n, text in enumerate(strings) if text]
    return pairs


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_tags(language: str) -> None:
    """A translation that drops {name} or breaks a tag would fail when the bot sends it."""
    for english, translated in _entries(language):
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(english)), (
            english,
            translated,
        )
        assert sorted(TAG.findall(translated)) == sorted(TAG.findall(english)), (
            english,
            translated,
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_compile(language: str) -> None:
    """The catalog compiles in memory at start, as the bot does."""
    translations.cache_clear()
    assert translations(language).gettext("What this bot can do") != ""
