"""Patients as the data layer knows them: found or created by their Telegram id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import Patient
from mesobot.staff.languages import staff_language

# `last_seen_at` says roughly when a patient was last here, not which tap was the last: writing
# it on every update cost a write on taps that change nothing else.
LAST_SEEN_RESOLUTION = timedelta(hours=1)


def note_seen(patient: Patient, now: datetime) -> bool:
    """Move `last_seen_at` to `now` if it is over an hour old; whether it moved."""
    if now - patient.last_seen_at < LAST_SEEN_RESOLUTION:
        return False
    patient.last_seen_at = now
    return True


# What Telegram allows in a username (5 to 32 of them; shorter collectible ones exist).
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,32}$")


def note_username(patient: Patient, username: str | None) -> bool:
    """Keep the patient's Telegram @username as Telegram gives it now (None: they have none),
    so that staff find them by it; whether it changed. Only the current one is kept."""
    current = username if username and _USERNAME.match(username) else None
    if patient.username == current:
        return False
    patient.username = current
    return True


def new_patient(*, telegram_user_id: int, language: str, now: datetime) -> Patient:
    """A first contact's patient record, in `language` (the clinic's for their Telegram app)."""
    return Patient(
        telegram_user_id=telegram_user_id,
        language=language,
        created_at=now,
        last_seen_at=now,
    )


async def record_patient(
    *, session: AsyncSession, telegram_user_id: int, language: str, now: datetime
) -> Patient:
    """The patient for a Telegram user, created on first contact; their language is kept."""
    patient = (
        await session.exec(select(Patient).where(Patient.telegram_user_id == telegram_user_id))
    ).first()
    if patient is None:
        # A staff member's chosen language is theirs on the patient side too.
        language = await staff_language(session=session, staff_id=telegram_user_id) or language
        patient = new_patient(telegram_user_id=telegram_user_id, language=language, now=now)
        session.add(patient)
    else:
        note_seen(patient, now)
    await session.flush()
    return patient


async def set_language(*, session: AsyncSession, telegram_user_id: int, language: str) -> bool:
    """Store `language` as the patient's, if this Telegram user is one; whether they are."""
    patient = (
        await session.exec(select(Patient).where(Patient.telegram_user_id == telegram_user_id))
    ).first()
    if patient is None:
        return False
    patient.language = language
    session.add(patient)
    await session.flush()
    return True


async def stored_language(
    *, session: AsyncSession, telegram_user_id: int, declared: Sequence[str]
) -> str | None:
    """The language stored for a Telegram user, if the clinic declares it: a staff member's
    own (`mesobot.staff.languages`) first, then a patient record's; None without either."""
    language = await staff_language(session=session, staff_id=telegram_user_id)
    if language is None:
        language = (
            await session.exec(
                select(Patient.language).where(Patient.telegram_user_id == telegram_user_id)
            )
        ).first()
    return language if language is not None and language in declared else None


async def language_of(
    *, session: AsyncSession, telegram_user_id: int, declared: Sequence[str]
) -> str:
    """The language to write to a Telegram user (or chat) in: the one stored for them.

    A private chat's id is its user's id, so a chat id may be given too. Anyone with no
    language stored (the staff group, a stranger) gets the clinic's first declared language,
    as does someone whose language the clinic no longer declares.
    """
    language = await stored_language(
        session=session, telegram_user_id=telegram_user_id, declared=declared
    )
    return language or declared[0]
