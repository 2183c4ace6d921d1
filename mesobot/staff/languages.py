"""Each staff member's language, stored: set on their first contact, changed with /language."""

from __future__ import annotations

from datetime import datetime

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
