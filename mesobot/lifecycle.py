"""What follows a change to a session: every part that hangs off sessions hears of it here.

Booking, staff and care code change sessions; reminders, aftercare, check-ins and calendar
files depend on them. Rather than each change calling each of those, a change is announced
once with `sessions_changed`, in the same transaction, and each part registers an observer on
`Services.session_observers`. Messages about a session are queued with the cause
`session_cause(appointment_id)`, so that cancelling a session can cancel all of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import Appointment, SessionState
from mesobot.outbox.api import cancel
from mesobot.states import move_session

if TYPE_CHECKING:
    from mesobot.services import Services


class Change(StrEnum):
    """What happened to a session."""

    REQUESTED = "requested"  # newly requested by a patient
    CONFIRMED = "confirmed"  # confirmed by staff
    MOVED = "moved"  # new date or time (by patient or staff); state may have changed too
    CANCELLED = "cancelled"
    DONE = "done"
    NO_SHOW = "no_show"
    DECLINED = "declined"  # the course was declined or expired: the session never happens


ENDING_CHANGES = frozenset({Change.CANCELLED, Change.NO_SHOW, Change.DECLINED})


@dataclass(frozen=True)
class SessionChange:
    """One session's change; `previous_start` is its start before a move."""

    appointment: Appointment
    change: Change
    previous_start: datetime | None = None


Observer = Callable[[AsyncSession, "Services", Sequence[SessionChange], datetime], Awaitable[None]]


def session_cause(appointment_id: int | None) -> str:
    """The outbox cause of every message that is about one session."""
    return f"session:{appointment_id}"


async def sessions_changed(
    *,
    session: AsyncSession,
    services: Services,
    changes: Sequence[SessionChange],
    now: datetime,
) -> None:
    """Tell every registered part about `changes`, inside the caller's transaction."""
    if not changes:
        return
    for observer in services.session_observers:
        await observer(session, services, changes, now)


async def cancel_messages_of_ended_sessions(
    session: AsyncSession,
    _services: Services,
    changes: Sequence[SessionChange],
    _now: datetime,
) -> None:
    """A session that will not happen takes its pending messages with it."""
    for change in changes:
        if change.change in ENDING_CHANGES:
            await cancel(session=session, cause=session_cause(change.appointment.id))


DEFAULT_OBSERVERS: tuple[Observer, ...] = (cancel_messages_of_ended_sessions,)


async def cancel_sessions(
    *,
    session: AsyncSession,
    appointments: Iterable[Appointment],
    change: Change,
    actor: str,
    at: datetime,
    note: str | None = None,
) -> list[SessionChange]:
    """Cancel each of `appointments` (the caller picks which), recording every move; the
    changes to announce with `sessions_changed` once the rest of the change is made."""
    changes = []
    for appointment in appointments:
        await move_session(
            session=session,
            appointment=appointment,
            to=SessionState.CANCELLED,
            at=at,
            actor=actor,
            note=note,
        )
        changes.append(SessionChange(appointment, change))
    return changes
