"""The exact text of each kind of file, and the folding rules checked on those bytes.

Regenerate the golden files after a deliberate change with `UPDATE_GOLDEN=1 make test`, then
read the diff before committing it.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from mesobot.calendar_files import (
    CalendarEntry,
    build_calendar,
    build_staff_calendar,
    staff_entries_between,
)
from tests.calendar_files.factories import ADDRESS, CLINIC, STAMP, course_versions, staff_agenda
from tests.calendar_files.parsers import read_with_all

GOLDEN = Path(__file__).parent / "golden"
_STAMP_LINE = re.compile(rb"^DTSTAMP:\d{8}T\d{6}Z\r$", re.MULTILINE)


def normalised(ics: bytes) -> bytes:
    """`ics` with its volatile DTSTAMP values replaced by one fixed, still valid, value.

    UIDs are the other volatile field; the tests pass fixed ones.
    """
    return _STAMP_LINE.sub(b"DTSTAMP:20000101T000000Z\r", ics)


def _files() -> dict[str, bytes]:
    booked, moved, cancelled = course_versions()
    staff = staff_entries_between(staff_agenda(), first_day=date(2026, 3, 2))

    def patient(entries: list[CalendarEntry]) -> bytes:
        return build_calendar(entries=entries, clinic=CLINIC, stamp=STAMP, language="en")

    return {
        "new_course.ics": patient(booked),
        "updated_course.ics": patient(moved),
        "cancelled_session.ics": patient(cancelled),
        "staff_30_days.ics": build_staff_calendar(
            entries=staff, clinic=CLINIC, stamp=STAMP, language="en"
        ),
    }


@pytest.mark.parametrize("name", sorted(_files()))
def test_file_matches_its_golden_text(name: str) -> None:
    """Each kind of file is byte for byte the reviewed text in golden/."""
    produced = normalised(_files()[name])
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(produced)
    assert produced == path.read_bytes()


@pytest.mark.parametrize("name", sorted(_files()))
def test_golden_file_reads_the_same_in_every_parser(name: str) -> None:
    """The reviewed text itself is a calendar that all three parsers read alike."""
    assert read_with_all((GOLDEN / name).read_bytes())


@pytest.mark.parametrize("name", sorted(_files()))
def test_lines_are_folded_at_75_octets_on_character_boundaries(name: str) -> None:
    """CRLF only; no line over 75 octets; continuations start with one space; no split
    character: every physical line is valid UTF-8 by itself, and unfolding gives the text back."""
    ics = _files()[name]
    assert ics.endswith(b"\r\n")
    physical = ics[:-2].split(b"\r\n")
    assert all(b"\r" not in line and b"\n" not in line for line in physical)
    assert max(len(line) for line in physical) <= 75
    for line in physical:
        line.decode("utf-8")  # raises if a fold cut a character in two
        if line.startswith(b" "):
            assert not line[1:2].isspace(), "a fold next to a space would lose it in some apps"
    continuations = [line for line in physical if line.startswith((b" ", b"\t"))]
    assert continuations, "the address is long enough to need folding"
    assert all(line.startswith(b" ") for line in continuations)
    unfolded = ics.replace(b"\r\n ", b"").decode("utf-8")
    escaped_address = ADDRESS.replace(",", "\\,")
    assert f"\r\nLOCATION:{escaped_address}\r\n" in unfolded


def test_address_is_folded_inside_its_own_text() -> None:
    """The golden address is long enough to be folded mid-value, so folding is exercised."""
    ics = _files()["new_course.ics"]
    location = ics.split(b"\r\nLOCATION:")[1].split(b"\r\nDESCRIPTION:")[0]
    assert b"\r\n " in location
    assert location.replace(b"\r\n ", b"").decode("utf-8") == ADDRESS.replace(",", "\\,")
