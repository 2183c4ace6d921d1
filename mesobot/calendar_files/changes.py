"""What changed between two versions of a course's calendar entries: SEQUENCE and words.

Some calendar apps ignore a re-imported file, so the chat message that carries an updated
file says in words what changed; and every changed session gets a higher SEQUENCE, which is
what tells the apps that do read the file that its version replaces the one they hold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from mesobot.calendar_files.calendars import CalendarEntry
from mesobot.i18n import translations
from mesobot.texts.dates import moment_label


def _significant(entry: CalendarEntry) -> tuple[object, ...]:
    """Everything a calendar shows of an entry; instants in UTC, so that a `fold` counts."""
    shown = dataclasses.asdict(entry)
    for bookkeeping in ("uid", "sequence", "start", "end"):
        del shown[bookkeeping]
    return (entry.start_utc, entry.end_utc, entry.zone, *sorted(shown.items()))


def with_sequences(
    *, previous: Sequence[CalendarEntry], current: Sequence[CalendarEntry]
) -> list[CalendarEntry]:
    """`current` with each SEQUENCE set from `previous`: one higher where the entry changed.

    A session new to the course starts at SEQUENCE 0; an unchanged one keeps its number.
    Store the returned sequences with the sessions.
    """
    earlier = {entry.uid: entry for entry in previous}
    result = []
    for entry in current:
        before = earlier.get(entry.uid)
        if before is None:
            sequence = 0
        elif _significant(before) == _significant(entry):
            sequence = before.sequence
        else:
            sequence = before.sequence + 1
        result.append(dataclasses.replace(entry, sequence=sequence))
    return result


def _when(moment: datetime, language: str) -> str:
    """A session's local date and time, written the one way dates are (mesobot.texts.dates)."""
    return moment_label(moment.date(), moment.time(), language)


def describe_changes(
    *, previous: Sequence[CalendarEntry], current: Sequence[CalendarEntry], language: str
) -> list[str]:
    """One sentence per session that changed between two versions of a course, in order.

    A session missing from `current` is told as cancelled; keep cancelled sessions in the
    file all the same, because a calendar app keeps an event that a new file leaves out.
    """
    _ = translations(language).gettext
    later = {entry.uid: entry for entry in current}
    changes: list[tuple[int, str]] = []
    for entry in current:
        before = next((old for old in previous if old.uid == entry.uid), None)
        number, when = entry.session_number, _when(entry.start, language)
        if before is None:
            text = _("Session {number} added: {when}.").format(number=number, when=when)
        elif entry.cancelled and not before.cancelled:
            text = _("Session {number} on {when} is cancelled.").format(number=number, when=when)
        elif before.cancelled and not entry.cancelled:
            text = _("Session {number} is booked again: {when}.").format(number=number, when=when)
        elif (before.start_utc, before.end_utc) != (entry.start_utc, entry.end_utc):
            text = _("Session {number} moved from {old} to {new}.").format(
                number=number, old=_when(before.start, language), new=when
            )
        else:
            continue
        changes.append((number, text))
    for entry in previous:
        if entry.uid not in later and not entry.cancelled:
            number, when = entry.session_number, _when(entry.start, language)
            text = _("Session {number} on {when} is cancelled.").format(number=number, when=when)
            changes.append((number, text))
    return [text for _number, text in sorted(changes, key=lambda change: change[0])]
