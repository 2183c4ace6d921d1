"""Dates, times and amounts as patients and staff read them, in their language.

Dates are written one way everywhere: with the weekday, in the reader's language, as Babel
writes them ("Mon, 7 Dec 2026", "lun, 7 dic 2026"); times are the clinic's wall clock.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_location
from babel.numbers import format_currency

DAY_PATTERN = "EEE, d MMM y"


def money(minor_units: int, currency: str, language: str) -> str:
    """An amount in the clinic's currency, formatted for the patient's language."""
    return format_currency(minor_units / 100, currency, locale=language)


def day_label(day: date, language: str) -> str:
    """The one way a date is written: with its weekday, such as 'Mon, 7 Dec 2026'."""
    return format_date(day, DAY_PATTERN, locale=language)


def clock_label(wall: time | datetime) -> str:
    """A wall time, such as '09:45'."""
    return wall.strftime("%H:%M")


def moment_label(day: date, wall: time, language: str) -> str:
    """A date and wall time, such as 'Mon, 7 Dec 2026, 09:45'."""
    return f"{day_label(day, language)}, {clock_label(wall)}"


def instant_label(instant: datetime, zone: str, language: str) -> str:
    """An instant as the clinic's wall clock shows it, such as 'Mon, 7 Dec 2026, 09:45'."""
    local = instant.astimezone(ZoneInfo(zone))
    return moment_label(local.date(), local.time(), language)


def zone_city(zone: str, language: str) -> str:
    """The place a time zone is named after, as the reader calls it ('Madrid', 'Nueva York')."""
    return get_timezone_location(zone, locale=language, return_city=True)


def weekday_initials(language: str) -> list[str]:
    """Monday-first weekday initials for the calendar's header."""
    # 2024-01-01 was a Monday.
    return [
        format_date(date(2024, 1, 1 + offset), "EEEEE", locale=language) for offset in range(7)
    ]


def month_label(year: int, month: int, language: str) -> str:
    """A month's name and year, such as 'December 2026'."""
    return format_date(date(year, month, 1), "LLLL y", locale=language)
