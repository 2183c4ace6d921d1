"""The bookings a plan is made against: every session holding a resource in a window, in one
query, as the planner reads them (POSIX seconds)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, bindparam, cast, extract
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import Appointment
from mesobot.models.course import HOLDING_STATES
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.cache import BookingSnapshot

# Every screen with dates reads one: built once (building it cost more than running it).
_SNAPSHOT = select(
    Appointment.resource_id,
    # As double precision: PostgreSQL's numeric would come back as slow Decimals.
    cast(extract("epoch", col(Appointment.start_utc)), Float),
    cast(extract("epoch", col(Appointment.end_utc)), Float),
).where(
    col(Appointment.clinic_id) == bindparam("clinic_id"),
    col(Appointment.state).in_(HOLDING_STATES),
    col(Appointment.start_utc) < bindparam("end"),
    col(Appointment.end_utc) > bindparam("start"),
    col(Appointment.start_utc) > bindparam("starts_after"),
)
_SNAPSHOT_WITHOUT_COURSE = _SNAPSHOT.where(col(Appointment.course_id) != bindparam("course_id"))


async def load_snapshot(
    *,
    session: AsyncSession,
    clinic_id: str,
    start: datetime,
    end: datetime,
    exclude_course_id: int | None = None,
) -> BookingSnapshot:
    """Every session holding a resource between `start` and `end`, in one query.

    The database hands back POSIX seconds, which is all the planner needs: parsing thousands
    of datetimes per call was most of the time of a plan.
    """
    parameters: dict[str, Any] = {
        "clinic_id": clinic_id,
        "start": start,
        "end": end,
        # No session lasts a day, so this bound changes no answer; it lets the index on
        # start_utc read only the window instead of everything before its end.
        "starts_after": start - timedelta(days=1),
    }
    query = _SNAPSHOT
    if exclude_course_id is not None:
        query = _SNAPSHOT_WITHOUT_COURSE
        parameters["course_id"] = exclude_course_id
    connection = await session.connection()
    rows = (await connection.execute(query, parameters)).all()
    return BookingSnapshot(rows)


async def load_bookings(
    *,
    session: AsyncSession,
    clinic_id: str,
    start: datetime,
    end: datetime,
    exclude_course_id: int | None = None,
) -> BookingIndex:
    """`load_snapshot`, indexed for planning (no digest, no cache)."""
    snapshot = await load_snapshot(
        session=session,
        clinic_id=clinic_id,
        start=start,
        end=end,
        exclude_course_id=exclude_course_id,
    )
    return snapshot.index()
