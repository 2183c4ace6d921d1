"""Matching a freed place with the waiting patients, in order of joining.

A place freed up on a local day; a waiting patient matches when their range holds that day
(a weekday, if they asked for weekdays only) and their whole course now fits from a first
session that day, in the morning or afternoon if they asked. "Fits" is the calendar's own
answer: `ScreenCache.free_times` of mesobot.scheduling.cache over one booking snapshot, the
same planner and cache the booking calendar uses, then the course is planned from that slot as
the calendar's preview plans it. Entries of one treatment and number of sessions share that
answer, so 10,000 entries cost one query for the entries, one per treatment and number of
sessions for the bookings, and a filter per entry.

Patients without the current consent are skipped (their offers are paused, not lost), and so
is anyone with an offer out, or already offered this opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import load_snapshot, plan_from_database, snapshot_window
from mesobot.calendar_cache import clinic_calendar
from mesobot.clinic import Clinic
from mesobot.flow.steps import CONSENT_VERSION, plan_digest
from mesobot.models import Patient
from mesobot.scheduling.cache import SCREENS
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.series import PlannedSeries, SeriesRule
from mesobot.waitlist.entries import AFTERNOON_HOUR
from mesobot.waitlist.models import (
    EntryState,
    OfferState,
    PartOfDay,
    WaitlistEntry,
    WaitlistOffer,
)


@dataclass(frozen=True)
class Match:
    """The first waiting patient whose course fits, and the first slot of that course."""

    entry_id: int
    patient_id: int
    first_day: date
    first_minute: int
    digest: str


def suits(row: Any, day: date, wall: time) -> bool:
    """Whether a first session at `day`, `wall` is one the entry's patient asked for."""
    if row.weekdays_only and day.weekday() >= 5:
        return False
    if row.part_of_day == PartOfDay.MORNING:
        return wall.hour < AFTERNOON_HOUR
    if row.part_of_day == PartOfDay.AFTERNOON:
        return wall.hour >= AFTERNOON_HOUR
    return True


async def _candidates(
    session: AsyncSession, clinic: Clinic, opening_id: int, day: date
) -> list[Any]:
    """Waiting entries whose range holds the freed day, with consent, not already offered
    this opening and with no offer out, oldest first (a few columns, no objects)."""
    offered_here = exists().where(
        col(WaitlistOffer.entry_id) == col(WaitlistEntry.id),
        or_(
            col(WaitlistOffer.opening_id) == opening_id,
            col(WaitlistOffer.state) == OfferState.OPEN,
        ),
    )
    query = (
        sa_select(
            col(WaitlistEntry.id),
            col(WaitlistEntry.patient_id),
            col(WaitlistEntry.treatment),
            col(WaitlistEntry.session_count),
            col(WaitlistEntry.first_day),
            col(WaitlistEntry.last_day),
            col(WaitlistEntry.weekdays_only),
            col(WaitlistEntry.part_of_day),
        )
        .join(Patient, col(Patient.id) == WaitlistEntry.patient_id)
        .where(
            col(WaitlistEntry.clinic_id) == clinic.clinic.id,
            col(WaitlistEntry.state) == EntryState.WAITING,
            col(WaitlistEntry.first_day) <= day,
            col(WaitlistEntry.last_day) >= day,
            col(Patient.consent_version) == CONSENT_VERSION,
            col(Patient.adult_confirmed_at).is_not(None),
            ~offered_here,
        )
        .order_by(col(WaitlistEntry.id))
    )
    connection = await session.connection()
    return list((await connection.execute(query)).all())


async def _free_times(
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    session_count: int,
    day: date,
    now: datetime,
) -> tuple[time, ...]:
    """The times of `day` from which the whole course fits: the calendar's `free_times`
    over one snapshot of every day such a series can reach."""
    low, high = snapshot_window(day, rule, session_count)
    start = datetime.combine(low, time(0), tzinfo=calendar.zone)
    end = datetime.combine(high + timedelta(days=1), time(0), tzinfo=calendar.zone)
    snapshot = await load_snapshot(
        session=session, clinic_id=calendar.clinic_id, start=start, end=end
    )
    return SCREENS.free_times(
        rule=rule,
        session_count=session_count,
        day=day,
        calendar=calendar,
        snapshot=snapshot,
        now=now,
    )


async def find_match(
    *, session: AsyncSession, clinic: Clinic, opening_id: int, day: date, now: datetime
) -> Match | None:
    """The first waiting patient (in order of joining) whose range holds the freed `day` and
    whose whole course now fits from a first session that day, at a time they asked for;
    None if nobody's does."""
    rows = await _candidates(session, clinic, opening_id, day)
    calendar = await clinic_calendar(session, clinic)
    fits: dict[tuple[str, int], tuple[time, ...]] = {}
    for row in rows:
        treatment = clinic.treatments.get(row.treatment)
        if treatment is None:
            continue
        rule = treatment.series_rule()
        key = (row.treatment, row.session_count)
        if key not in fits:
            fits[key] = await _free_times(session, calendar, rule, row.session_count, day, now)
        wall = next((w for w in fits[key] if suits(row, day, w)), None)
        if wall is not None:
            return await _matched(session, calendar, rule, row, day, wall, now)
    return None


async def _matched(
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    row: Any,
    first: date,
    wall: time,
    now: datetime,
) -> Match | None:
    """The match, with the digest of the course it offers (planned as the calendar would)."""
    plan = await plan_from_database(
        session=session,
        calendar=calendar,
        rule=rule,
        session_count=row.session_count,
        first_date=first,
        first_time=wall,
        now=now,
    )
    if not isinstance(plan, PlannedSeries):
        return None
    return Match(row.id, row.patient_id, first, wall.hour * 60 + wall.minute, plan_digest(plan))
