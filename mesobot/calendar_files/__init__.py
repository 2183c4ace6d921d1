"""Calendar files (.ics) for patients and staff: pure functions, no Telegram, no database."""

from mesobot.calendar_files.calendars import (
    STAFF_DAYS,
    CalendarEntry,
    CalendarSource,
    StaffEntry,
    build_calendar,
    build_staff_calendar,
    new_uid,
    staff_entries_between,
    staff_uid,
)
from mesobot.calendar_files.changes import describe_changes, with_sequences

__all__ = [
    "STAFF_DAYS",
    "CalendarEntry",
    "CalendarSource",
    "StaffEntry",
    "build_calendar",
    "build_staff_calendar",
    "describe_changes",
    "new_uid",
    "staff_entries_between",
    "staff_uid",
    "with_sequences",
]
