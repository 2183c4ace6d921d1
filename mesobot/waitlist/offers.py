"""Offers: a freed place offered to one waiting patient at a time, through the outbox.

An offer's message waits out the clinic's quiet hours (`[care] quiet_hours`), and its button
holds `waitlist_offer_minutes` after the message was delivered. Accepting books through the
calendar's own race-safe booking (`mesobot.flow.ordering.book_course`, which re-plans under
the lock): it may still lose to an ordinary booking, and the patient stays on the list. A
declined, expired or withdrawn offer sends its opening back to be matched with the next
patient. A patient who withdrew consent is offered nothing: the message is not rendered and
the offer ends, the entry stays for when consent is given again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import plan_from_database
from mesobot.calendar_cache import clinic_calendar
from mesobot.care.timing import out_of_quiet_hours
from mesobot.flow import buttons as b
from mesobot.flow.steps import CONSENT_VERSION, plan_digest
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.outbox.api import MessageState, enqueue, messages_for_cause
from mesobot.outbox.policies import ALWAYS_SEND, Button, RenderedMessage, RenderRequest
from mesobot.scheduling.series import PlannedSeries, PlanResult
from mesobot.texts import escape
from mesobot.texts import waitlist as texts
from mesobot.texts.dates import zone_city
from mesobot.waitlist.entries import end_offer, offer_cause
from mesobot.waitlist.matching import Match
from mesobot.waitlist.models import (
    EntryState,
    OfferState,
    OpeningState,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOpening,
)

if TYPE_CHECKING:
    from mesobot.services import Services

OFFER = "patient.waitlist_offer"


def has_consent(patient: Patient | None) -> bool:
    """Whether the patient may be offered a booking (the current consent, an adult)."""
    return (
        patient is not None
        and patient.telegram_user_id is not None
        and patient.consent_version == CONSENT_VERSION
        and patient.adult_confirmed_at is not None
    )


async def make_offer(
    *,
    session: AsyncSession,
    services: Services,
    opening: WaitlistOpening,
    match: Match,
    now: datetime,
) -> WaitlistOffer | None:
    """Offer the match's course, if the opening and the entry are still as matched."""
    entry = await session.get(WaitlistEntry, match.entry_id, with_for_update=True)
    patient = await session.get(Patient, match.patient_id)
    if opening.state != OpeningState.PENDING or entry is None or not has_consent(patient):
        return None
    out = select(WaitlistOffer.id).where(
        WaitlistOffer.entry_id == entry.id, WaitlistOffer.state == OfferState.OPEN
    )
    if entry.state != EntryState.WAITING or (await session.exec(out)).first() is not None:
        return None
    assert opening.id is not None
    assert patient is not None
    offer = WaitlistOffer(
        entry_id=match.entry_id,
        patient_id=match.patient_id,
        opening_id=opening.id,
        first_day=match.first_day,
        first_minute=match.first_minute,
        plan_digest=match.digest,
        created_at=now,
    )
    session.add(offer)
    opening.state = OpeningState.OFFERING
    session.add(opening)
    await session.flush()
    await enqueue(
        session=session,
        recipient=patient.chat,
        kind=OFFER,
        payload={"offer_id": offer.id},
        due_at=max(now, out_of_quiet_hours(now, clinic=services.clinic)),
        idempotency_key=offer_cause(offer.id),
        now=now,
        cause=offer_cause(offer.id),
    )
    return offer


async def offer_plan(
    session: AsyncSession,
    services: Services,
    entry: WaitlistEntry,
    offer: WaitlistOffer,
    now: datetime,
) -> PlanResult:
    """The offered course as it plans now (the calendar's plan from its first slot)."""
    treatment = services.clinic.treatments[entry.treatment]
    return await plan_from_database(
        session=session,
        calendar=await clinic_calendar(session, services.clinic),
        rule=treatment.series_rule(),
        session_count=entry.session_count,
        first_date=offer.first_day,
        first_time=time(offer.first_minute // 60, offer.first_minute % 60),
        now=now,
    )


@dataclass(frozen=True)
class OfferStatus:
    """When an offer's message was delivered, and whether it can no longer be delivered."""

    sent_at: datetime | None
    undeliverable: bool


async def offer_status(session: AsyncSession, offer_id: int | None) -> OfferStatus:
    """What the outbox knows of the offer's message."""
    messages = await messages_for_cause(
        session=session, cause=offer_cause(offer_id), kinds=[OFFER]
    )
    if not messages:
        return OfferStatus(None, True)
    message = messages[-1]
    # Paused: the patient blocked the bot; the place should not wait for them to return.
    gone = (MessageState.CANCELLED, MessageState.DROPPED, MessageState.FAILED, MessageState.PAUSED)
    ended = message.state in gone
    return OfferStatus(message.sent_at, ended)


def holds_until(services: Services, sent_at: datetime) -> datetime:
    """When a delivered offer's button stops holding."""
    return sent_at + timedelta(minutes=services.clinic.clinic.waitlist_offer_minutes)


async def expire_offers(*, session: AsyncSession, services: Services, now: datetime) -> int:
    """End the open offers whose time ran out after delivery, or whose message can no longer
    be delivered (consent withdrawn, the chat gone); their openings pass on. Returns how many."""
    # Locked: an Accept at the same moment either wins or finds the offer expired.
    query = select(WaitlistOffer).where(WaitlistOffer.state == OfferState.OPEN).with_for_update()
    ended = 0
    for offer in list(await session.exec(query.order_by(col(WaitlistOffer.id)))):
        status = await offer_status(session, offer.id)
        late = status.sent_at is not None and holds_until(services, status.sent_at) <= now
        if late or (status.sent_at is None and status.undeliverable):
            await end_offer(session, offer, OfferState.EXPIRED, now)
            ended += 1
    return ended


def register_offer_kind(services: Services) -> None:
    """The offer's message: rendered at send time, nothing if it ended or consent went."""

    async def render_offer(request: RenderRequest) -> RenderedMessage | None:
        session, language = request.session, request.language
        offer = await session.get(WaitlistOffer, int(request.message.payload["offer_id"]))
        entry = await session.get(WaitlistEntry, offer.entry_id) if offer else None
        patient = await session.get(Patient, offer.patient_id) if offer else None
        if offer is None or entry is None or offer.state != OfferState.OPEN:
            return None
        if not has_consent(patient) or entry.treatment not in services.clinic.treatments:
            return None
        plan = await offer_plan(session, services, entry, offer, services.clock.now())
        if not isinstance(plan, PlannedSeries) or plan_digest(plan) != offer.plan_digest:
            return None  # taken or changed meanwhile: the job passes the opening on
        t = translations(language)
        treatment = services.clinic.treatments[entry.treatment].name.in_language(language)
        zone = services.clinic.clinic.timezone
        text = texts.offer(
            t,
            treatment=escape(treatment),
            slots=[(s.local_date, s.local_time) for s in plan.sessions],
            city=escape(zone_city(zone, language)),
            minutes=services.clinic.clinic.waitlist_offer_minutes,
            language=language,
        )
        accept, decline = texts.offer_labels(t)
        codec = services.codec
        assert offer.id is not None
        row = (
            Button(accept, codec.encode(b.AcceptOffer(offer.id))),
            Button(decline, codec.encode(b.DeclineOffer(offer.id))),
        )
        return RenderedMessage(text, (row,))

    services.outbox_kinds.register(OFFER, render=render_offer, late_policy=ALWAYS_SEND)
