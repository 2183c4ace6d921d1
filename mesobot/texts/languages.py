"""Texts of /language: the question and its confirmation."""

from __future__ import annotations

from gettext import NullTranslations


def choose_language(t: NullTranslations) -> str:
    """The answer to /language, above one button per language of the clinic."""
    return t.gettext("In which language should I write to you?")


def language_chosen(t: NullTranslations) -> str:
    """The confirmation, already in the chosen language."""
    # Translators: name your own language ("in Spanish"), not English.
    return t.gettext("Done: from now on I will write to you in English.")
