"""Patients as the data layer knows them: found or created by their Telegram id."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.i18n import DEFAULT_LANGUAGE, pick_language
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


async def language_of(*, session: AsyncSession, telegram_user_id: int) -> str:
    """The language to write to a Telegram user (or chat) in: their patient record's.

    A private chat's id is its user's id, so a chat id may be given too. Anyone who is not a
    patient (staff, the staff group, a stranger) gets `DEFAULT_LANGUAGE`, as does a patient
    whose record has no language.
    """
    language = (
        await session.exec(
            select(Patient.language).where(Patient.telegram_user_id == telegram_user_id)
        )
    ).first()
    return language or DEFAULT_LANGUAGE
