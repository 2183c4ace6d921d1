"""Matching a freed place with the waiting patients, in order of joining.

A waiting patient matches when a first session inside their range (on a weekday if they
asked, in the morning or afternoon if they asked), no later than the freed day and no earlier
than the treatment's whole series could reach back to it, starts a whole course that fits now.
"Fits" is the calendar's own answer: `ScreenCache.free_times` of mesobot.scheduling.cache over
one booking snapshot, the same planner and cache the booking calendar uses. Entries of one
treatment and number of sessions share that answer, so 10,000 entries cost one query for the
entries, one per group for the bookings, and a filter per entry.

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
from mesobot.scheduling.localtime import zone_named
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


def reach_back(rule: SeriesRule, session_count: int) -> int:
    """How many days before its last session a series may start."""
    return rule.max_gap_days * max(session_count - 1, 0)


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
    session: AsyncSession, clinic: Clinic, opening_id: int, day: date, earliest: date
) -> list[Any]:
    """Waiting entries whose range reaches the freed day, with consent, not already offered
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
            col(WaitlistEntry.last_day) >= earliest,
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
    first: date,
    last: date,
    now: datetime,
) -> dict[date, tuple[time, ...]]:
    """For each day from `first` to `last`, the times from which the whole course fits: the
    calendar's `free_times` over one snapshot of every day those series can reach."""
    low, _ = snapshot_window(first, rule, session_count)
    _, high = snapshot_window(last, rule, session_count)
    start = datetime.combine(low, time(0), tzinfo=calendar.zone)
    end = datetime.combine(high + timedelta(days=1), time(0), tzinfo=calendar.zone)
    snapshot = await load_snapshot(
        session=session, clinic_id=calendar.clinic_id, start=start, end=end
    )
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return {
        day: SCREENS.free_times(
            rule=rule,
            session_count=session_count,
            day=day,
            calendar=calendar,
            snapshot=snapshot,
            now=now,
        )
        for day in days
    }


async def find_match(
    *, session: AsyncSession, clinic: Clinic, opening_id: int, day: date, now: datetime
) -> Match | None:
    """The first waiting patient (in order of joining) whose whole course now fits from a
    first session in their range, reaching the freed `day`; None if nobody's does."""
    today = now.astimezone(zone_named(clinic.clinic.timezone)).date()
    rules = {key: treatment.series_rule() for key, treatment in clinic.treatments.items()}
    longest = max((reach_back(r, r.max_sessions) for r in rules.values()), default=0)
    rows = await _candidates(
        session, clinic, opening_id, day, max(today, day - timedelta(longest))
    )
    calendar = await clinic_calendar(session, clinic)
    fits: dict[tuple[str, int], dict[date, tuple[time, ...]]] = {}
    for row in rows:
        rule = rules.get(row.treatment)
        if rule is None:
            continue
        low = max(row.first_day, today, day - timedelta(reach_back(rule, row.session_count)))
        high = min(row.last_day, day)
        if low > high:
            continue
        key = (row.treatment, row.session_count)
        if key not in fits:
            group_low = max(today, day - timedelta(reach_back(rule, row.session_count)))
            fits[key] = await _free_times(
                session, calendar, rule, row.session_count, group_low, day, now
            )
        for first in sorted(d for d in fits[key] if low <= d <= high):
            wall = next((w for w in fits[key][first] if suits(row, first, w)), None)
            if wall is not None:
                return await _matched(session, clinic, calendar, rule, row, first, wall, now)
    return None


async def _matched(
    session: AsyncSession,
    clinic: Clinic,
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
