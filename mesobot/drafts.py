"""The database draft of a patient's flow: its step, the answers so far, and its expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import FlowDraft

BOOKING = "book"
# A draft left alone this long is forgotten: the dates it offered are stale by then anyway.
DRAFT_LIFETIME = timedelta(hours=24)


async def load_draft(
    *, session: AsyncSession, patient_id: int, flow: str = BOOKING, now: datetime
) -> FlowDraft | None:
    """The patient's live draft of `flow`, or None when there is none or it has expired."""
    draft = await session.get(FlowDraft, (patient_id, flow))
    if draft is None or draft.expires_at <= now:
        return None
    return draft


async def save_draft(
    *,
    session: AsyncSession,
    patient_id: int,
    step: str,
    answers: dict[str, Any],
    now: datetime,
    flow: str = BOOKING,
) -> FlowDraft:
    """Store the patient's step and answers, creating the draft or replacing its content."""
    draft = await session.get(FlowDraft, (patient_id, flow))
    if draft is None:
        draft = FlowDraft(
            patient_id=patient_id,
            flow=flow,
            step=step,
            updated_at=now,
            expires_at=now + DRAFT_LIFETIME,
        )
    draft.step = step
    draft.answers = dict(answers)  # a new dict, so that the JSON column sees the change
    draft.updated_at = now
    draft.expires_at = now + DRAFT_LIFETIME
    session.add(draft)
    await session.flush()
    return draft


async def clear_draft(*, session: AsyncSession, patient_id: int, flow: str = BOOKING) -> bool:
    """Forget the patient's draft of `flow`; whether there was one."""
    draft = await session.get(FlowDraft, (patient_id, flow))
    if draft is None:
        return False
    await session.delete(draft)
    await session.flush()
    return True
