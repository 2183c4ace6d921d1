"""The waitlist's job: end what ran out, then match each freed place with the next patient.

Matching reads (no write lock while it plans); each offer is then written in a short write
transaction that checks again that the opening and the entry are still as they were read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, exists
from sqlmodel import col, select

from mesobot.scheduling.localtime import zone_named
from mesobot.waitlist.entries import expire_entries
from mesobot.waitlist.matching import find_match
from mesobot.waitlist.models import OpeningState, WaitlistOffer, WaitlistOpening
from mesobot.waitlist.offers import expire_offers, make_offer

if TYPE_CHECKING:
    from mesobot.services import Services

logger = logging.getLogger(__name__)

# Openings matched per run; the rest wait for the next run (a minute at most).
OPENINGS_PER_RUN = 50


@dataclass(frozen=True)
class WaitlistRun:
    """What one run did (counts only)."""

    entries_expired: int = 0
    offers_expired: int = 0
    offers_made: int = 0


async def run_waitlist(services: Services) -> WaitlistRun:
    """One run of the job; safe to repeat and to overlap (every write checks its states)."""
    now = services.clock.now()
    today = now.astimezone(zone_named(services.clinic.clinic.timezone)).date()
    async with services.database.write() as session:
        entries_expired = await expire_entries(session=session, today=today, now=now)
        offers_expired = await expire_offers(session=session, services=services, now=now)
        # Openings matched with nobody leave no trace (those with offers stay with them).
        never_offered = ~exists().where(col(WaitlistOffer.opening_id) == col(WaitlistOpening.id))
        await session.exec(
            delete(WaitlistOpening).where(
                col(WaitlistOpening.state) == OpeningState.DONE, never_offered
            )
        )
    async with services.database.read() as session:
        query = select(col(WaitlistOpening.id), col(WaitlistOpening.local_date)).where(
            WaitlistOpening.state == OpeningState.PENDING
        )
        openings = list(
            await session.exec(query.order_by(col(WaitlistOpening.id)).limit(OPENINGS_PER_RUN))
        )
    made = 0
    for opening_id, day in openings:
        assert opening_id is not None
        match = None
        if day >= today:
            async with services.database.read() as session:
                match = await find_match(
                    session=session,
                    clinic=services.clinic,
                    opening_id=opening_id,
                    day=day,
                    now=now,
                )
        async with services.database.write() as session:
            # Locked (PostgreSQL): two runs at once make one offer for it, not two.
            opening = await session.get(WaitlistOpening, opening_id, with_for_update=True)
            if opening is None or opening.state != OpeningState.PENDING:
                continue
            if match is None:
                opening.state = OpeningState.DONE
                session.add(opening)
            elif await make_offer(
                session=session, services=services, opening=opening, match=match, now=now
            ):
                made += 1
    run = WaitlistRun(entries_expired, offers_expired, made)
    if run != WaitlistRun():
        logger.info(
            "Waitlist: %d entries expired, %d offers expired, %d offers made",
            run.entries_expired,
            run.offers_expired,
            run.offers_made,
        )
    return run
