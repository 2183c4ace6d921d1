"""Dates, times and amounts as patients read them, in their language."""

from __future__ import annotations

from datetime import date, time

from babel.dates import format_date
from babel.numbers import format_currency


def money(minor_units: int, currency: str, language: str) -> str:
    """An amount in the clinic's currency, formatted for the patient's language."""
    return format_currency(minor_units / 100, currency, locale=language)


def long_date(day: date, language: str) -> str:
    """A date written out, such as '7 December 2031'."""
    return format_date(day, "d MMMM y", locale=language)


def long_day_label(day: date, language: str) -> str:
    """A date with its weekday, such as 'Mon, 7 Dec 2026'."""
    return format_date(day, "EEE, d MMM y", locale=language)


def clock_label(wall: time) -> str:
    """A wall time, such as '09:45'."""
    return wall.strftime("%H:%M")


def weekday_initials(language: str) -> list[str]:
    """Monday-first weekday initials for the calendar's header."""
    # 2024-01-01 was a Monday.
    return [
        format_date(date(2024, 1, 1 + offset), "EEEEE", locale=language) for offset in range(7)
    ]


def month_label(year: int, month: int, language: str) -> str:
    """A month's name and year, such as 'December 2026'."""
    return format_date(date(year, month, 1), "LLLL y", locale=language)
