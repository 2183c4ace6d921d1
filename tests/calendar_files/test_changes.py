"""SEQUENCE bookkeeping between versions of a course, and the chat's words for a change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from mesobot.calendar_files import describe_changes, with_sequences
from tests.calendar_files.factories import course, course_versions


def test_sequence_rises_only_for_changed_sessions() -> None:
    """Moved and cancelled sessions go up by one; untouched ones keep their number."""
    _, moved, cancelled = course_versions()
    assert [e.sequence for e in moved] == [0, 1, 0]
    assert [e.sequence for e in cancelled] == [0, 1, 1]


def test_sequence_is_stable_when_nothing_changed() -> None:
    """Re-sending the same course (as /calendar does) changes no SEQUENCE."""
    _, moved, _ = course_versions()
    assert with_sequences(previous=moved, current=moved) == moved


def test_new_session_starts_at_zero_and_changed_text_counts() -> None:
    """An added session starts at 0; a changed session count (its summary) is a change."""
    one = course([date(2026, 3, 17)])
    two = course([date(2026, 3, 17), date(2026, 4, 28)])
    assert [e.sequence for e in with_sequences(previous=one, current=two)] == [1, 0]


def test_describes_a_move_and_a_cancellation_in_order() -> None:
    """The chat says which session moved from when to when, and which one is cancelled."""
    booked, _, cancelled = course_versions()
    assert describe_changes(previous=booked, current=cancelled, language="en") == [
        "Session 2 moved from Tue, 31 Mar 2026, 10:00 to Thu, 2 Apr 2026, 10:00.",
        "Session 3 on Tue, 14 Apr 2026, 10:00 is cancelled.",
    ]


def test_describes_nothing_when_nothing_changed() -> None:
    """No sentence for an unchanged course."""
    booked, _, _ = course_versions()
    assert describe_changes(previous=booked, current=booked, language="en") == []


def test_describes_added_reinstated_and_dropped_sessions() -> None:
    """A new session is added, a cancelled one booked again, a missing one cancelled."""
    booked, _, cancelled = course_versions()
    reinstated = [*cancelled[:2], replace(cancelled[2], cancelled=False)]
    assert describe_changes(previous=cancelled, current=reinstated, language="en") == [
        "Session 3 is booked again: Tue, 14 Apr 2026, 10:00."
    ]
    assert describe_changes(previous=booked, current=booked[:2], language="en") == [
        "Session 3 on Tue, 14 Apr 2026, 10:00 is cancelled."
    ]
    extra = replace(
        booked[2],
        uid="extra@mesobot",
        start=booked[2].start + timedelta(weeks=6),
        end=booked[2].end + timedelta(weeks=6),
    )
    assert describe_changes(previous=booked, current=[*booked, extra], language="en") == [
        "Session 3 added: Tue, 26 May 2026, 10:00."
    ]


def test_dates_follow_the_language() -> None:
    """Spanish readers get Spanish dates and a 24-hour clock."""
    booked, moved, _ = course_versions()
    (sentence,) = describe_changes(previous=booked, current=moved, language="es")
    assert "31 mar 2026" in sentence
    assert "2 abr 2026" in sentence
    assert "10:00" in sentence
    assert "AM" not in sentence
