"""A month as rows of calendar buttons, shared by booking a course and moving a session."""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from mesobot.callbacks import ButtonData
from mesobot.flow import buttons as b
from mesobot.screens import Row
from mesobot.texts import booking as texts
from mesobot.texts.dates import weekday_initials

if TYPE_CHECKING:
    from mesobot.flow.machine import Flow


def month_rows(
    flow: Flow,
    year: int,
    month: int,
    free: tuple[date, ...],
    pick: Callable[..., ButtonData],
    navigate: Callable[..., ButtonData],
    *prefix: int,
) -> list[Row]:
    """A month as rows of weekdays: free dates are buttons, other days greyed out.

    `pick(*prefix, day)` and `navigate(*prefix, year, month)` build the buttons' data, so the
    same calendar serves booking and moving a session.
    """
    blank = b.Unavailable()
    rows: list[Row] = [[(initial, blank) for initial in weekday_initials(flow.language)]]
    first_weekday, length = gregorian.monthrange(year, month)
    cells: Row = [("·", blank)] * first_weekday
    for offset in range(length):
        day = date(year, month, 1) + timedelta(days=offset)
        cells.append((str(day.day), pick(*prefix, day)) if day in free else ("·", blank))
    cells += [("·", blank)] * (-len(cells) % 7)
    rows += [cells[i : i + 7] for i in range(0, len(cells), 7)]
    navigation: Row = []
    earlier = flow.clamp_month(year, month - 1) if month > 1 else flow.clamp_month(year - 1, 12)
    later = flow.clamp_month(year, month + 1) if month < 12 else flow.clamp_month(year + 1, 1)
    if earlier != (year, month):
        navigation.append((texts.label(flow.t, "previous"), navigate(*prefix, *earlier)))
    if later != (year, month):
        navigation.append((texts.label(flow.t, "next"), navigate(*prefix, *later)))
    rows.append(navigation)
    return rows
