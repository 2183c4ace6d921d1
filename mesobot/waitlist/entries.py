"""Joining, leaving and listing the waitlist, in the caller's transaction (no Telegram).

An entry names a treatment (area, number of sessions and the booking flow's answers) and a
range of local days in which the patient could start, optionally only on weekdays and only
mornings or afternoons. It ends when an offer is accepted, when the patient leaves it, when
staff remove it, or after its last day (`expire_entries`). Ending it withdraws its open offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.clinic import Clinic
from mesobot.outbox.api import cancel
from mesobot.staff.audit import StaffActor, record_action
from mesobot.waitlist.models import (
    EntryState,
    OfferState,
    OpeningState,
    PartOfDay,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOpening,
)

# Afternoons start at this local hour (the first session's time decides).
AFTERNOON_HOUR = 14


def offer_cause(offer_id: int | None) -> str:
    """The outbox cause of an offer's message."""
    return f"waitlist-offer:{offer_id}"


@dataclass(frozen=True)
class EntryWish:
    """What a patient asks to wait for."""

    treatment: str
    area: str | None
    session_count: int
    answers: dict[str, Any]
    first_day: date
    last_day: date
    weekdays_only: bool = False
    part_of_day: PartOfDay = PartOfDay.ANY
    course_id: int | None = None


@dataclass(frozen=True)
class TooMany:
    """The patient already holds the clinic's maximum of entries."""

    limit: int


async def waiting_count(session: AsyncSession, patient_id: int) -> int:
    """How many entries the patient holds."""
    query = select(func.count()).where(
        col(WaitlistEntry.patient_id) == patient_id, WaitlistEntry.state == EntryState.WAITING
    )
    return int((await session.exec(query)).one())


async def join(
    *, session: AsyncSession, clinic: Clinic, patient_id: int, wish: EntryWish, now: datetime
) -> WaitlistEntry | TooMany:
    """Add an entry, unless the patient holds `waitlist_max_entries` already."""
    limit = clinic.clinic.waitlist_max_entries
    if await waiting_count(session, patient_id) >= limit:
        return TooMany(limit)
    entry = WaitlistEntry(
        clinic_id=clinic.clinic.id,
        patient_id=patient_id,
        treatment=wish.treatment,
        area=wish.area,
        session_count=wish.session_count,
        answers=wish.answers,
        first_day=wish.first_day,
        last_day=wish.last_day,
        weekdays_only=wish.weekdays_only,
        part_of_day=wish.part_of_day,
        course_id=wish.course_id,
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


async def patient_entries(session: AsyncSession, patient_id: int) -> list[WaitlistEntry]:
    """The patient's waiting entries, oldest first."""
    query = select(WaitlistEntry).where(
        col(WaitlistEntry.patient_id) == patient_id, WaitlistEntry.state == EntryState.WAITING
    )
    return list(await session.exec(query.order_by(col(WaitlistEntry.id))))


async def clinic_waiting_count(session: AsyncSession, clinic_id: str) -> int:
    """How many entries of the clinic are waiting."""
    query = select(func.count()).where(
        WaitlistEntry.clinic_id == clinic_id, WaitlistEntry.state == EntryState.WAITING
    )
    return int((await session.exec(query)).one())


async def waiting_entries(
    session: AsyncSession, clinic_id: str, limit: int
) -> list[WaitlistEntry]:
    """Every waiting entry of the clinic, in order of joining (at most `limit`)."""
    query = select(WaitlistEntry).where(
        WaitlistEntry.clinic_id == clinic_id, WaitlistEntry.state == EntryState.WAITING
    )
    return list(await session.exec(query.order_by(col(WaitlistEntry.id)).limit(limit)))


async def withdraw_offers(
    session: AsyncSession, entry_ids: list[int], now: datetime, to: OfferState
) -> None:
    """End the open offers of `entry_ids` (their messages cancelled if unsent); each offer's
    opening goes back to be matched with the next patient."""
    if not entry_ids:
        return
    query = (
        select(WaitlistOffer)
        .where(col(WaitlistOffer.entry_id).in_(entry_ids), WaitlistOffer.state == OfferState.OPEN)
        .with_for_update()
    )
    for offer in list(await session.exec(query)):
        await end_offer(session, offer, to, now)


async def end_offer(
    session: AsyncSession, offer: WaitlistOffer, to: OfferState, now: datetime
) -> None:
    """Close one offer; unless it was accepted, its opening goes to the next patient."""
    offer.state, offer.decided_at = to, now
    session.add(offer)
    await cancel(session=session, cause=offer_cause(offer.id))
    opening = await session.get(WaitlistOpening, offer.opening_id)
    if opening is not None:
        opening.state = OpeningState.DONE if to is OfferState.ACCEPTED else OpeningState.PENDING
        session.add(opening)


async def end_entry(
    session: AsyncSession, entry: WaitlistEntry, to: EntryState, now: datetime
) -> None:
    """End a waiting entry, withdrawing its open offer."""
    entry.state, entry.ended_at = to, now
    session.add(entry)
    assert entry.id is not None
    await withdraw_offers(session, [entry.id], now, OfferState.WITHDRAWN)


async def leave(*, session: AsyncSession, patient_id: int, entry_id: int, now: datetime) -> bool:
    """The patient leaves an entry; False when it was not theirs or had ended."""
    entry = await session.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None or entry.patient_id != patient_id or entry.state != EntryState.WAITING:
        return False
    await end_entry(session, entry, EntryState.LEFT, now)
    return True


async def remove(
    *, session: AsyncSession, entry_id: int, staff: StaffActor, now: datetime
) -> bool:
    """Staff remove an entry (audited, ids only); False when it had ended."""
    entry = await session.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None or entry.state != EntryState.WAITING:
        return False
    await end_entry(session, entry, EntryState.REMOVED, now)
    await record_action(
        session=session,
        staff=staff,
        action="waitlist_remove",
        at=now,
        patient_id=entry.patient_id,
        before={"waitlist_entry": entry.id},
    )
    return True


async def expire_entries(*, session: AsyncSession, today: date, now: datetime) -> int:
    """End every entry whose range ended before `today`; returns how many."""
    query = select(WaitlistEntry.id).where(
        WaitlistEntry.state == EntryState.WAITING, col(WaitlistEntry.last_day) < today
    )
    ids = [entry_id for entry_id in await session.exec(query) if entry_id is not None]
    if not ids:
        return 0
    await session.exec(
        update(WaitlistEntry)
        .where(col(WaitlistEntry.id).in_(ids))
        .values(state=EntryState.EXPIRED, ended_at=now)
    )
    await withdraw_offers(session, ids, now, OfferState.WITHDRAWN)
    return len(ids)
