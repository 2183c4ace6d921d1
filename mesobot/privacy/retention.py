"""The clinic's retention limits (`[retention]`), enforced by a daily job; Telegram-free.

Every rule is one idempotent bulk statement on the caller's session: running the job twice,
late, or in two processes at once removes nothing more and nothing less, so it is safe to run
in any process (mesobot/handlers/retention.py runs it in every one, daily).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.models import ReactionReport, ReportAddition
from mesobot.models.draft import FlowDraft
from mesobot.outbox.calls import CALL
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.privacy.models import ClinicalIdentity
from mesobot.privacy.settings import RetentionSettings
from mesobot.staff.models import AuditEntry

# Rows nothing will send again. Failed rows count too: once the dispatcher gave up on one it
# answers "was it sent?" exactly as long as a sent one, and its payload is no more needed.
FINISHED_STATES = (
    MessageState.SENT,
    MessageState.CANCELLED,
    MessageState.DROPPED,
    MessageState.FAILED,
)


@dataclass(frozen=True)
class RetentionRun:
    """How many rows each rule touched: counts only, fit for a log line."""

    messages_purged: int
    payloads_emptied: int
    drafts_deleted: int
    reports_stripped: int
    identities_deleted: int
    audit_anonymised: int


def add_years(instant: datetime, years: int) -> datetime:
    """The same calendar instant `years` later, or earlier for a negative number (29 February
    falls back to the 28th)."""
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:
        return instant.replace(year=instant.year + years, day=28)


async def enforce_retention(
    *, session: AsyncSession, limits: RetentionSettings, now: datetime
) -> RetentionRun:
    """Apply every limit as of `now` in the caller's transaction."""
    purged, emptied = await _expire_messages(session, limits, now)
    return RetentionRun(
        messages_purged=purged,
        payloads_emptied=emptied,
        drafts_deleted=await _delete_expired_drafts(session, limits, now),
        reports_stripped=await _strip_closed_reports(session, limits, now),
        identities_deleted=await _delete_clinical_identities(session, now),
        audit_anonymised=await _anonymise_audit(session, limits, now),
    )


async def _expire_messages(
    session: AsyncSession, limits: RetentionSettings, now: datetime
) -> tuple[int, int]:
    finished = col(OutboxMessage.state).in_(FINISHED_STATES)
    # A message's age counts from when it was sent (or given up), not queued: reminders and
    # check-ins are queued weeks ahead.
    ended = func.coalesce(col(OutboxMessage.sent_at), col(OutboxMessage.created_at))
    purged = await session.exec(
        delete(OutboxMessage).where(
            finished, ended < now - timedelta(days=limits.delivered_message_days)
        )
    )
    # Only a queued call's payload holds words (a reply's text, a calendar file), emptied when
    # it is sent; one that failed or was dropped keeps them until now. The other kinds hold
    # ids and parameters that care still reads after sending (which check-in days went
    # unanswered), kept with the row.
    emptied = await session.exec(
        update(OutboxMessage)
        .where(
            finished,
            col(OutboxMessage.kind) == CALL,
            ended < now - timedelta(days=limits.message_payload_days),
        )
        .values(payload={})
    )
    return int(purged.rowcount), int(emptied.rowcount)


async def _delete_expired_drafts(
    session: AsyncSession, limits: RetentionSettings, now: datetime
) -> int:
    result = await session.exec(
        delete(FlowDraft).where(
            col(FlowDraft.expires_at) < now - timedelta(days=limits.draft_days)
        )
    )
    return int(result.rowcount)


async def _strip_closed_reports(
    session: AsyncSession, limits: RetentionSettings, now: datetime
) -> int:
    """Photos and free texts go; the report itself (signs, dates) stays in the record."""
    limit = now - timedelta(days=limits.photo_days)
    closed_long_ago = select(ReactionReport.id).where(  # type: ignore[call-overload]
        col(ReactionReport.closed_at) < limit
    )
    await session.exec(
        update(ReportAddition)
        .where(col(ReportAddition.report_id).in_(closed_long_ago))
        .where(
            col(ReportAddition.photo_file_id).is_not(None) | col(ReportAddition.text).is_not(None)
        )
        .values(photo_file_id=None, text=None)
    )
    result = await session.exec(
        update(ReactionReport)
        .where(col(ReactionReport.closed_at) < limit)
        .where(
            col(ReactionReport.photo_file_id).is_not(None)
            | col(ReactionReport.description).is_not(None)
        )
        .values(photo_file_id=None, description=None)
    )
    return int(result.rowcount)


async def _delete_clinical_identities(session: AsyncSession, now: datetime) -> int:
    result = await session.exec(
        delete(ClinicalIdentity).where(col(ClinicalIdentity.keep_until) <= now)
    )
    return int(result.rowcount)


async def _anonymise_audit(session: AsyncSession, limits: RetentionSettings, now: datetime) -> int:
    """Old entries keep who did what and when, no longer whom it was about."""
    result = await session.exec(
        update(AuditEntry)
        .where(col(AuditEntry.at) < add_years(now, -limits.audit_years))
        .where(
            col(AuditEntry.patient_id).is_not(None)
            | col(AuditEntry.course_id).is_not(None)
            | col(AuditEntry.appointment_id).is_not(None)
        )
        .values(patient_id=None, course_id=None, appointment_id=None, before={}, after={})
    )
    return int(result.rowcount)
