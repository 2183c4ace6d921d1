"""RFC 5545 content lines: escaping, UTC date-times and folding at 75 octets."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesobot.calendar_files.contentlines import escape_text, fold, format_utc, quote_parameter
from tests.calendar_files.factories import MADRID


def test_text_specials_are_escaped() -> None:
    """Backslash, semicolon, comma and line breaks, in that order, never doubly escaped."""
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    assert escape_text("a\\nb") == "a\\\\nb"  # a literal backslash-n stays one


def test_controls_are_dropped_and_tabs_kept() -> None:
    """TEXT carries no control character but HTAB."""
    assert escape_text("a\x00b\x1bc\td\x7f") == "abc\td"


def test_parameter_values_are_quoted_without_quotes_or_breaks() -> None:
    """A parameter value cannot hold a double quote or a line break."""
    assert quote_parameter('Clínica "La Paz"\nMadrid') == "\"Clínica 'La Paz' Madrid\""


def test_utc_format_and_naive_refused() -> None:
    """A Madrid 10:00 in March is 09:00Z; a naive time has no instant and is refused."""
    assert format_utc(datetime(2026, 3, 17, 10, tzinfo=MADRID)) == "20260317T090000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_utc(datetime(2026, 3, 17, 10))  # noqa: DTZ001 - the naive time is the point


def test_fold_prefers_places_away_from_spaces() -> None:
    """A fold that would start or end a line with a space moves back to a letter."""
    line = "DESCRIPTION:" + "word " * 20
    physical = fold(line).split("\r\n")
    assert all(not piece.endswith(" ") for piece in physical[:-1])
    assert all(not piece[1].isspace() for piece in physical[1:])


def test_fold_keeps_combining_marks_with_their_letter() -> None:
    """A decomposed é is never split from its accent."""
    line = "SUMMARY:" + "e\u0301" * 60
    assert all(piece[1:2] != "\u0301" for piece in fold(line).split("\r\n")[1:])


def test_fold_cuts_a_long_run_of_spaces_anyway() -> None:
    """Where no nicer place exists, the line is still folded within 75 octets."""
    physical = fold("X:" + " " * 200).encode().split(b"\r\n")
    assert max(len(line) for line in physical) <= 75


@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=600))
def test_fold_is_undone_by_unfolding(value: str) -> None:
    """Any line: at most 75 octets each, whole characters, and unfolding gives it back."""
    line = "X:" + value
    folded = fold(line).encode("utf-8")
    physical = folded.split(b"\r\n")
    assert max(len(piece) for piece in physical) <= 75
    assert all(piece.startswith(b" ") for piece in physical[1:])
    for piece in physical:
        piece.decode("utf-8")  # a split character would not decode
    assert folded.replace(b"\r\n ", b"").decode("utf-8") == line
