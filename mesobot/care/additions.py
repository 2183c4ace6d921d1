"""What a patient adds to a report once made: stored whole, and merged for staff.

Each photo, description or repeat of the sign is one `ReportAddition`. Staff get them merged
into one message per report a minute at most, and about ten an hour; whatever comes beyond
that is stored and shown in /reports. Unlike a report's first alert, these messages wait
their turn in the outbox's normal lane: a patient sending photo after photo cannot hold up
anyone's alert.

A merged message (a digest) names, by id, the first addition it shows; it shows that one and
every later one up to the first of the next digest to the same staff member. So the outbox
holds ids, never what the patient typed, and each staff member's digests follow their own
pace (one who blocked the bot gets one digest of everything when they return).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.models import DESCRIPTION_MAX, ReactionReport, ReportAddition
from mesobot.care.reports import (
    REPORT_ADDITION,
    create_report,
    open_report_of_sign,
    report_cause,
    same_press,
)
from mesobot.models import Patient
from mesobot.outbox.api import (
    MessageState,
    QueuedMessage,
    enqueue,
    hold_pending,
    messages_for_cause,
)

if TYPE_CHECKING:
    from mesobot.services import Services

# At most one digest per report and staff member a minute, and this many in any hour.
DIGEST_SPACING = timedelta(minutes=1)
DIGEST_WINDOW = timedelta(hours=1)
DIGESTS_PER_WINDOW = 10


async def report_sign(
    *,
    session: AsyncSession,
    services: Services,
    patient: Patient,
    appointment_id: int | None,
    sign: str,
    now: datetime,
) -> tuple[ReactionReport, bool]:
    """A patient reports `sign`: a new report, alerted to staff at once; or, while one of
    that sign is open, an addition to it. Returns the report and whether it is new.

    One open report per sign keeps what jumps the outbox's queue to a few alerts a patient.
    """
    assert patient.id is not None
    report = await open_report_of_sign(session=session, patient_id=patient.id, sign=sign)
    if report is None:
        report = await create_report(
            session=session,
            services=services,
            patient=patient,
            appointment_id=appointment_id,
            sign=sign,
            now=now,
        )
        return report, True
    if not same_press(report, now):
        await add_to_report(
            session=session, services=services, report=report, now=now, repeated_sign=sign
        )
    return report, False


async def add_to_report(
    *,
    session: AsyncSession,
    services: Services,
    report: ReactionReport,
    now: datetime,
    photo_file_id: str | None = None,
    text: str | None = None,
    repeated_sign: str | None = None,
) -> ReportAddition:
    """Store an addition to `report` and see that each staff member's digest shows it."""
    assert report.id is not None
    addition = ReportAddition(
        report_id=report.id,
        created_at=now,
        photo_file_id=photo_file_id,
        text=text or None,
        repeated_sign=repeated_sign,
    )
    session.add(addition)
    # The latest photo and the description so far also show on the alert's re-sends.
    if photo_file_id is not None:
        report.photo_file_id = photo_file_id
    if text:
        joined = f"{report.description}\n{text}" if report.description else text
        report.description = joined[:DESCRIPTION_MAX]
    session.add(report)
    await session.flush()
    digests = await messages_for_cause(
        session=session, cause=report_cause(report.id), kinds=[REPORT_ADDITION]
    )
    for staff_id in services.settings.mesobot_staff_ids:
        mine = [message for message in digests if message.recipient == staff_id]
        await _into_digest(session, report.id, addition, staff_id, mine, now)
    return addition


async def _into_digest(
    session: AsyncSession,
    report_id: int,
    addition: ReportAddition,
    staff_id: int,
    digests: Sequence[QueuedMessage],
    now: datetime,
) -> None:
    # The staff member's latest digest, if still unsent, shows this addition too; otherwise
    # a new digest starts with it, a minute after the last one, unless the hour has its fill.
    latest = digests[-1] if digests else None
    if latest is not None and await hold_pending(session=session, message_id=latest.id):
        return
    due = now if latest is None else max(now, latest.due_at + DIGEST_SPACING)
    if len(_in_window(digests, due)) >= DIGESTS_PER_WINDOW:
        return  # stored: /reports shows it
    assert addition.id is not None
    await enqueue(
        session=session,
        recipient=staff_id,
        kind=REPORT_ADDITION,
        payload={"report_id": report_id, "first": addition.id},
        due_at=due,
        idempotency_key=f"care.addition:{report_id}:{addition.id}:{staff_id}",
        now=now,
        cause=report_cause(report_id),
    )


def _in_window(digests: Sequence[QueuedMessage], until: datetime) -> list[QueuedMessage]:
    """The digests counted against the hour that ends at `until` (one cancelled for having
    nothing to show does not count)."""
    return [
        message
        for message in digests
        if until - DIGEST_WINDOW < message.due_at <= until
        and message.state != MessageState.CANCELLED
    ]


async def digest_additions(
    session: AsyncSession, digest: QueuedMessage
) -> tuple[list[ReportAddition], bool]:
    """The additions a digest shows, oldest first, and whether it is the hour's last digest
    (what comes later in the hour is in /reports only)."""
    report_id = int(digest.payload["report_id"])
    first = int(digest.payload["first"])
    # Additions first, digests second: an addition is committed with the digest that starts
    # at it, so whichever addition the first read sees, the second sees its digest, and no
    # addition shows in two digests (even under READ COMMITTED, where each read is fresh).
    query = select(ReportAddition).where(
        ReportAddition.report_id == report_id, col(ReportAddition.id) >= first
    )
    additions = list((await session.exec(query.order_by(col(ReportAddition.id)))).all())
    mine = [
        message
        for message in await messages_for_cause(
            session=session, cause=report_cause(report_id), kinds=[REPORT_ADDITION]
        )
        if message.recipient == digest.recipient
    ]
    later = [int(m.payload["first"]) for m in mine if m.id > digest.id and "first" in m.payload]
    if later:
        additions = [addition for addition in additions if (addition.id or 0) < min(later)]
    return additions, len(_in_window(mine, digest.due_at)) >= DIGESTS_PER_WINDOW


async def addition_counts(
    session: AsyncSession, report_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """For each report that has additions: how many, and how many of them are photos."""
    rows = await session.exec(
        select(
            ReportAddition.report_id,
            func.count(col(ReportAddition.id)),
            func.count(col(ReportAddition.photo_file_id)),
        )
        .where(col(ReportAddition.report_id).in_(list(report_ids)))
        .group_by(col(ReportAddition.report_id))
    )
    return {report_id: (count, photos) for report_id, count, photos in rows.all()}


async def report_additions(session: AsyncSession, report_id: int) -> list[ReportAddition]:
    """Every addition to a report, oldest first (for /reports)."""
    query = select(ReportAddition).where(ReportAddition.report_id == report_id)
    return list((await session.exec(query.order_by(col(ReportAddition.id)))).all())
