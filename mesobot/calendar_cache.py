"""The planner's calendar with the closures staff set in Telegram, rebuilt only when they change.

Every change to `clinic_closure` replaces the clinic's `closure_version` token in the same
transaction (`bump_closure_version`, called by /block and /unblock). `clinic_calendar` reads
that token, one primary-key lookup, and reuses the calendar it built for the same clinic file
and token; so a /block another process committed is in the very next calendar read here.

Booking's locked re-checks use `calendar_under_lock` instead: the closures read again under the
lock, never from this cache.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import ClosureVersion
from mesobot.scheduling.cache import LruCache
from mesobot.scheduling.calendar import Calendar, Closure
from mesobot.staff.models import ClinicClosure

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from mesobot.clinic import Clinic

# One entry per clinic file and closures version; a process serves one clinic, and an entry
# costs the calendar itself, about 1 KB plus 0.3 KB per closure.
CALENDAR_ENTRIES = 16

# id(clinic file), token -> (the clinic file, its calendar). The entry holds the file itself,
# so the id cannot be reused by another object while the entry lives.
_calendars: LruCache[tuple[int, str | None], tuple[Clinic, Calendar]] = LruCache(CALENDAR_ENTRIES)


def span_of(day: date, start: time | None, end: time | None, zone: ZoneInfo) -> Closure:
    """The instants a stored closure covers in the clinic's zone (no times: the whole day)."""
    if start is None or end is None:
        return Closure(
            start=datetime.combine(day, time(0), tzinfo=zone),
            end=datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone),
        )
    return Closure(
        start=datetime.combine(day, start, tzinfo=zone),
        end=datetime.combine(day, end, tzinfo=zone),
    )


# Read on every screen with a calendar: built once (building it cost more than running it).
_CLOSURE_VERSION = select(ClosureVersion.version).where(
    col(ClosureVersion.clinic_id) == bindparam("clinic_id")
)


async def closure_version(session: AsyncSession, clinic_id: str) -> str | None:
    """The clinic's closures token; None when no closure was ever stored."""
    connection = await session.connection()
    found = await connection.execute(_CLOSURE_VERSION, {"clinic_id": clinic_id})
    return found.scalar_one_or_none()


async def bump_closure_version(session: AsyncSession, clinic_id: str) -> None:
    """Give the clinic's closures a new token; call it in the transaction that changes them."""
    token = secrets.token_hex(16)
    connection = await session.connection()
    insert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(ClosureVersion).values(clinic_id=clinic_id, version=token)
    await connection.execute(
        statement.on_conflict_do_update(index_elements=["clinic_id"], set_={"version": token})
    )


async def stored_closures(
    session: AsyncSession, clinic_id: str, zone: ZoneInfo
) -> tuple[Closure, ...]:
    """Every closure staff set for the clinic, by date, read now (no cache)."""
    query = (
        select(
            col(ClinicClosure.local_date),
            col(ClinicClosure.start_time),
            col(ClinicClosure.end_time),
        )
        .where(ClinicClosure.clinic_id == clinic_id)
        .order_by(col(ClinicClosure.local_date), col(ClinicClosure.id))
    )
    connection = await session.connection()
    rows = (await connection.execute(query)).all()
    return tuple(span_of(day, start, end, zone) for day, start, end in rows)


async def clinic_calendar(session: AsyncSession, clinic: Clinic) -> Calendar:
    """The clinic's calendar with the closures staff set in Telegram added to the file's.

    Costs one primary-key read while the closures are unchanged. The token is read before the
    closures: should a change commit between the two reads, the calendar built holds the newer
    closures under the older token, which the next read no longer matches. Read the other
    way round, older closures could be stored under the newer token and served until the next
    change.
    """
    version = await closure_version(session, clinic.clinic.id)
    key = (id(clinic), version)
    cached = _calendars.get(key)
    if cached is not None and cached[0] is clinic:
        return cached[1]
    calendar = clinic.calendar()
    if version is not None:
        closures = await stored_closures(session, calendar.clinic_id, calendar.zone)
        calendar = calendar.with_staff_closures(closures)
    _calendars.put(key, (clinic, calendar))
    return calendar


async def calendar_under_lock(session: AsyncSession, calendar: Calendar) -> Calendar:
    """`calendar` with the closures staff set read again now: for booking's locked re-checks,
    which must plan against what is stored, never against a cache. Call it after the lock."""
    closures = await stored_closures(session, calendar.clinic_id, calendar.zone)
    return calendar.with_staff_closures(closures)
