"""Every translation can stand in for its English text: same placeholders, same HTML tags;
the template is the code's, and every catalog translates all of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from mesobot.i18n import LOCALE_DIR, available_languages, translations

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+[^>]*>")
LANGUAGES = sorted(available_languages() - {"en"})
PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


def _keys(catalog: Catalog) -> set[tuple[object, str | None]]:
    """What a catalog's entries are, beyond the header and line numbers: msgid (with its
    plural form) and context."""
    return {(message.id, message.context) for message in catalog if message.id}


def _extracted() -> Catalog:
    """The template as `make messages` would write it now, from the code."""
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    template = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def test_the_template_lists_exactly_the_texts_the_code_uses() -> None:
    """A text added to the code but not to messages.pot would go untranslated; one left in
    the template after the code dropped it is dead weight. `make messages` mends both."""
    with (LOCALE_DIR / "messages.pot").open("rb") as source:
        template = read_po(source)
    extracted, listed = _keys(_extracted()), _keys(template)
    assert sorted(map(str, extracted - listed)) == [], "missing from messages.pot"
    assert sorted(map(str, listed - extracted)) == [], "in messages.pot, no longer in the code"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated_and_none_is_fuzzy(language: str) -> None:
    """A catalog that lacks a text, or holds a guess, would show that text in English."""
    with (LOCALE_DIR / "messages.pot").open("rb") as source:
        template = read_po(source)
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    problems = []
    for entry in template:
        if not entry.id:
            continue
        found = catalog.get(entry.id, context=entry.context)
        strings = () if found is None else found.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if found is None or not all(strings):
            problems.append(f"untranslated: {entry.id!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {entry.id!r}")
        elif isinstance(entry.id, tuple) and len(strings) != catalog.num_plurals:
            problems.append(
                f"{len(strings)} plural forms, {catalog.num_plurals} needed: {entry.id!r}"
            )
    assert problems == []
