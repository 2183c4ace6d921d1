"""Giving and withdrawing consent: the patient row holds the current consent, the history
holds every change (for the export and for the clinic's records).

Without consent (withdrawn, or never given) a patient gets no tips and no check-ins and
cannot book; what the clinic must keep stays, booked sessions stay with their reminders, and
/report stays open (`mesobot.care.kinds`, `mesobot.flow.machine.may_book`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import Patient
from mesobot.privacy.models import ConsentEvent


def give_consent(patient: Patient, *, version: str, now: datetime) -> None:
    """Mark the patient as agreeing to consent text `version` (stored by the caller)."""
    patient.consent_version, patient.consent_at = version, now


def withdraw_consent(patient: Patient) -> str | None:
    """Take the patient's consent back; the version they had withdrawn, or None if none."""
    version = patient.consent_version
    patient.consent_version = patient.consent_at = None
    return version


async def record_consent_event(
    session: AsyncSession,
    *,
    patient_id: int,
    version: str,
    given: bool,
    now: datetime,
    actor: str = "patient",
) -> None:
    """Add a change to the consent history (no commit: it belongs to the caller's change)."""
    session.add(
        ConsentEvent(patient_id=patient_id, version=version, given=given, at=now, actor=actor)
    )
    await session.flush()


def has_consent(patient: Patient) -> bool:
    """Whether the patient's data may be used for more than what the clinic must keep: any
    consent text they agreed to counts (a newer text is asked for before the next booking)."""
    return patient.consent_version is not None
