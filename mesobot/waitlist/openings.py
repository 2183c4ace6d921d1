"""Where places free up: one call, `places_freed`, in the transaction that freed them.

Session changes (a cancellation, a staff or patient move, a declined or expired request) reach
it through the session observer `on_sessions_changed`; /unblock calls it directly. It writes
one `waitlist_opening` row per local day, which the matching job (mesobot.waitlist.matching)
takes from there: nothing is matched inside the tap that freed the place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.lifecycle import Change, SessionChange
from mesobot.scheduling.localtime import zone_named
from mesobot.waitlist.models import EntryState, WaitlistEntry, WaitlistOpening

if TYPE_CHECKING:
    from mesobot.services import Services

# The changes that leave a place free on the session's (old) day.
FREEING = frozenset({Change.CANCELLED, Change.DECLINED, Change.MOVED})


async def places_freed(
    *, session: AsyncSession, clinic_id: str, days: Iterable[date], today: date, now: datetime
) -> None:
    """Record that places freed up on `days` (past days ignored), if anyone is waiting."""
    wanted = sorted({day for day in days if day >= today})
    if not wanted:
        return
    anyone = select(WaitlistEntry.id).where(
        WaitlistEntry.clinic_id == clinic_id, WaitlistEntry.state == EntryState.WAITING
    )
    if (await session.exec(anyone.limit(1))).first() is None:
        return
    session.add_all(
        WaitlistOpening(clinic_id=clinic_id, local_date=day, created_at=now) for day in wanted
    )
    await session.flush()


def freed_day(change: SessionChange) -> date | None:
    """The local day a change freed a place on, if it freed one."""
    if change.change not in FREEING:
        return None
    appointment = change.appointment
    if change.change is Change.MOVED:
        if change.previous_start is None:
            return None
        return change.previous_start.astimezone(zone_named(appointment.zone)).date()
    return appointment.local_date


async def on_sessions_changed(
    session: AsyncSession, services: Services, changes: Sequence[SessionChange], now: datetime
) -> None:
    """The session observer: freed days become openings."""
    days = [day for day in map(freed_day, changes) if day is not None]
    if days:
        zone = zone_named(services.clinic.clinic.timezone)
        await places_freed(
            session=session,
            clinic_id=services.clinic.clinic.id,
            days=days,
            today=now.astimezone(zone).date(),
            now=now,
        )
