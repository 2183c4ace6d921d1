"""The audit log of staff actions: recorded in the transaction of the action it describes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.staff.models import AuditEntry


@dataclass(frozen=True)
class StaffActor:
    """A staff member acting: their Telegram id and the display name Telegram gave them."""

    telegram_id: int
    name: str

    @property
    def actor(self) -> str:
        """How state events name this staff member."""
        return f"staff:{self.telegram_id}"


async def record_action(
    *,
    session: AsyncSession,
    staff: StaffActor,
    action: str,
    at: datetime,
    patient_id: int | None = None,
    course_id: int | None = None,
    appointment_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the audit log (no commit: it belongs to the caller's transaction)."""
    entry = AuditEntry(
        at=at,
        staff_id=staff.telegram_id,
        staff_name=staff.name[:80],
        action=action,
        patient_id=patient_id,
        course_id=course_id,
        appointment_id=appointment_id,
        before=before or {},
        after=after or {},
    )
    session.add(entry)
    await session.flush()
    return entry


# Staff looking at a patient's data (GDPR art. 15: the patient may ask who saw it). A view
# changes nothing, so it has no before/after; /mydata lists these, /patient's history not.
VIEW_PREFIX = "view:"
VIEW_PATIENT = "view:patient"  # /patient
VIEW_REQUEST = "view:request"  # a request with its questionnaire (/pending, its buttons)
VIEW_REPORTS = "view:reports"  # /reports and a report's additions
VIEW_CONTACT = "view:contact"  # a report's Contact patient


async def record_views(
    *,
    session: AsyncSession,
    staff: StaffActor,
    action: str,
    at: datetime,
    patient_ids: Iterable[int],
) -> None:
    """One audit entry per patient whose data `staff` was shown (no commit)."""
    for patient_id in sorted(set(patient_ids)):
        await record_action(
            session=session, staff=staff, action=action, at=at, patient_id=patient_id
        )


async def last_course_action(*, session: AsyncSession, course_id: int) -> AuditEntry | None:
    """The latest staff action on a course: who got there first when a press loses."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.course_id == course_id)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    )
    return (await session.exec(query)).first()


async def patient_history(
    *, session: AsyncSession, patient_id: int, limit: int = 30
) -> list[AuditEntry]:
    """The latest staff actions about a patient, newest first (views left out)."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.patient_id == patient_id)
        .where(col(AuditEntry.action).not_like(VIEW_PREFIX + "%"))
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    )
    return list(await session.exec(query))
