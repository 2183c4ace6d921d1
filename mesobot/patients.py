"""Patients as the data layer knows them: found or created by their Telegram id."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.i18n import pick_language
from mesobot.models import Patient


async def record_patient(
    *, session: AsyncSession, telegram_user_id: int, language_code: str | None, now: datetime
) -> Patient:
    """The patient for a Telegram user, created on first contact; their language is kept."""
    patient = (
        await session.exec(select(Patient).where(Patient.telegram_user_id == telegram_user_id))
    ).first()
    if patient is None:
        patient = Patient(
            telegram_user_id=telegram_user_id,
            language=pick_language(language_code),
            created_at=now,
            last_seen_at=now,
        )
        session.add(patient)
    else:
        patient.last_seen_at = now
    await session.flush()
    return patient
