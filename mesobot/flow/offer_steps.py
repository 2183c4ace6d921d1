"""A waiting patient answers an offer (mesobot.waitlist.offers): Accept or No, thanks.

Accept plans the offered course again (as the calendar's Confirm does) and requests it through
`book_course`, under the booking lock; if the place was taken first the patient reads so and
stays on the list. Moving a booked treatment earlier, the old sessions are cancelled in the
same transaction (and nothing happens if they can no longer be cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import Booked, Taken
from mesobot.flow import buttons as b
from mesobot.flow.machine import Flow, Outcome, may_book
from mesobot.flow.ordering import book_course
from mesobot.flow.steps import plan_digest
from mesobot.models import Appointment, Patient
from mesobot.models.course import HOLDING_STATES
from mesobot.patient_changes import Refused, cancel_rest_of_course
from mesobot.scheduling.series import PlannedSeries
from mesobot.screens import Screen
from mesobot.staff.presence import no_staff_phone
from mesobot.texts import booking as booking_texts
from mesobot.texts import waitlist as texts
from mesobot.waitlist.entries import end_offer
from mesobot.waitlist.models import EntryState, OfferState, WaitlistEntry, WaitlistOffer
from mesobot.waitlist.offers import holds_until, offer_plan, offer_status


class _Undo(Exception):
    """Roll the acceptance back: the old course could not be cancelled."""


@dataclass(frozen=True)
class _Live:
    offer: WaitlistOffer
    entry: WaitlistEntry


async def _live(flow: Flow, offer_id: int) -> _Live | None:
    """The patient's open offer, still holding, with its waiting entry."""
    offer = await flow.session.get(WaitlistOffer, offer_id)
    if offer is None or offer.patient_id != flow.patient.id or offer.state != OfferState.OPEN:
        return None
    entry = await flow.session.get(WaitlistEntry, offer.entry_id)
    if entry is None or entry.state != EntryState.WAITING or not may_book(flow.patient):
        return None
    status = await offer_status(flow.session, offer.id)
    # A press before the outbox recorded the delivery (it is being sent) is in time.
    if status.sent_at is not None and holds_until(flow.services, status.sent_at) <= flow.now:
        return None
    return _Live(offer, entry)


async def _gone(flow: Flow) -> Outcome:
    notice = texts.offer_gone(flow.t)
    return Outcome([Screen(notice)], notice=notice)


async def _still_open(session: AsyncSession, offer_id: int) -> WaitlistOffer | None:
    offer = await session.get(
        WaitlistOffer, offer_id, populate_existing=True, with_for_update=True
    )
    return offer if offer is not None and offer.state == OfferState.OPEN else None


async def _cancel_old(flow: Flow, session: AsyncSession, entry: WaitlistEntry) -> None:
    """Moving earlier: cancel what is left of the booked course, or undo everything."""
    query = select(Appointment).where(
        Appointment.course_id == entry.course_id, col(Appointment.state).in_(HOLDING_STATES)
    )
    first = (await session.exec(query.order_by(col(Appointment.number)))).first()
    if first is None or first.id is None:
        return
    result = await cancel_rest_of_course(
        session=session,
        services=flow.services,
        patient_id=entry.patient_id,
        appointment_id=first.id,
        seen_version=first.version,
        now=flow.now,
    )
    if isinstance(result, Refused):
        raise _Undo


async def on_accept(flow: Flow, data: b.AcceptOffer) -> Outcome:
    """Request the offered course, race-safely; taken first: stay on the list."""
    live = await _live(flow, data.offer)
    if live is None:
        return await _gone(flow)
    plan = await offer_plan(flow.session, flow.services, live.entry, live.offer, flow.now)
    fits = isinstance(plan, PlannedSeries) and plan_digest(plan) == live.offer.plan_digest

    async def accept(session: AsyncSession) -> Booked | Taken | None:
        # The entry, then the offer: the order leaving the list locks them in (PostgreSQL).
        entry = await session.get(
            WaitlistEntry, live.entry.id, populate_existing=True, with_for_update=True
        )
        offer = await _still_open(session, data.offer)
        patient = await session.get(Patient, flow.patient.id)
        if offer is None or entry is None or entry.state != EntryState.WAITING or not patient:
            return None
        booked: Booked | Taken = Taken(plan)
        if fits and isinstance(plan, PlannedSeries):
            booked = await book_course(
                session=session,
                services=flow.services,
                patient=patient,
                answers=dict(entry.answers),
                plan=plan,
                now=flow.now,
            )
        if isinstance(booked, Booked):
            if entry.course_id is not None:
                await _cancel_old(flow, session, entry)
            entry.state, entry.ended_at = EntryState.BOOKED, flow.now
            session.add(entry)
        await end_offer(
            session,
            offer,
            OfferState.ACCEPTED if isinstance(booked, Booked) else OfferState.TAKEN,
            flow.now,
        )
        return booked

    try:
        result = await flow.write(accept)
    except _Undo:
        result = None
    if result is None:
        return await _gone(flow)
    if isinstance(result, Taken):
        notice = texts.taken(flow.t)
        return Outcome([Screen(notice)], notice=notice)
    requested = booking_texts.requested(flow.t, no_staff_phone=no_staff_phone(flow.services))
    return Outcome([Screen(requested)])


async def on_decline(flow: Flow, data: b.DeclineOffer) -> Outcome:
    """No, thanks: the place passes to the next waiting patient."""
    if await _live(flow, data.offer) is None:
        return await _gone(flow)

    async def decline(session: AsyncSession) -> bool:
        offer = await _still_open(session, data.offer)
        if offer is None:
            return False
        await end_offer(session, offer, OfferState.DECLINED, flow.now)
        return True

    if not await flow.write(decline):
        return await _gone(flow)
    notice = texts.declined(flow.t)
    return Outcome([Screen(notice)], notice=notice)
