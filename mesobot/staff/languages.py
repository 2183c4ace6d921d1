"""Each staff member's language, stored: set on their first contact, changed with /language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.staff.models import StaffLanguage


async def staff_language(*, session: AsyncSession, staff_id: int) -> str | None:
    """The language stored for this staff member; None before their first contact."""
    row = await session.get(StaffLanguage, staff_id)
    return row.language if row is not None else None


async def set_staff_language(
    *, session: AsyncSession, staff_id: int, language: str, now: datetime
) -> None:
    """Store `language` as this staff member's, replacing any earlier one."""
    row = await session.get(StaffLanguage, staff_id)
    if row is None:
        session.add(StaffLanguage(staff_id=staff_id, language=language, set_at=now))
    else:
        row.language, row.set_at = language, now
        session.add(row)
    await session.flush()


async def forget_former_staff_languages(*, session: AsyncSession, staff_ids: Sequence[int]) -> int:
    """Delete the languages of people no longer in MESOBOT_STAFF_IDS (how many): as patients,
    their patient record's language is theirs again."""
    result = await session.exec(
        delete(StaffLanguage).where(col(StaffLanguage.staff_id).not_in(list(staff_ids)))
    )
    return int(result.rowcount or 0)
