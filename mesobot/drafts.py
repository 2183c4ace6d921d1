"""The database draft of a patient's flow: its step, the answers so far, and its expiry.

A turn of the flow (`mesobot.flow.turn`) reads the patient and the draft in one query, changes
the draft in memory, and stores it afterwards in a short write transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import FlowDraft, Patient

BOOKING = "book"
# A draft left alone this long is forgotten: the dates it offered are stale by then anyway.
DRAFT_LIFETIME = timedelta(hours=24)

# Built once, as the other statements of every tap: building and keying a statement cost more
# CPU than running it (about 0.1 ms; issue 13).
_PATIENT_AND_DRAFT = (
    select(Patient, FlowDraft)
    .outerjoin(
        FlowDraft,
        and_(
            col(FlowDraft.patient_id) == col(Patient.id),
            col(FlowDraft.flow) == bindparam("flow"),
        ),
    )
    .where(col(Patient.telegram_user_id) == bindparam("telegram_user_id"))
)


async def patient_and_draft(
    *, session: AsyncSession, telegram_user_id: int, flow: str = BOOKING
) -> tuple[Patient, FlowDraft | None] | None:
    """A Telegram user's patient record and stored draft of `flow`, in one query.

    The draft comes back even when it has expired (see `live`): its row is the one a new
    draft replaces. None when the user is not a patient yet.
    """
    parameters = {"flow": flow, "telegram_user_id": telegram_user_id}
    found = (await session.exec(_PATIENT_AND_DRAFT, params=parameters)).first()
    if found is None:
        return None
    patient, draft = found
    return patient, draft


def live(draft: FlowDraft | None, now: datetime) -> FlowDraft | None:
    """The draft if it has not expired."""
    return draft if draft is not None and draft.expires_at > now else None


def rewrite_draft(
    draft: FlowDraft | None,
    *,
    patient_id: int,
    step: str,
    answers: dict[str, Any],
    now: datetime,
    flow: str = BOOKING,
) -> FlowDraft:
    """`draft` (the stored row, or a new one) with the step and answers given, to be stored
    by the caller; its expiry starts again."""
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
    return draft
