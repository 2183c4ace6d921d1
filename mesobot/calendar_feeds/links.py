"""Feed links: made, replaced, revoked and looked up, with only a hash of the secret stored.

A link is `<MESOBOT_PUBLIC_URL>/feeds/<secret>.ics`, the secret 32 random bytes in base64url
(256 bits, from `secrets`). The database keeps SHA-256 of it: looking a request up by that hash
finds at most one row, and the stored hash is compared with `hmac.compare_digest` all the same,
so that no comparison of secrets depends on where they first differ.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.calendar_feeds.models import PatientFeed, StaffFeed

SECRET_BYTES = 32
FEED_PATH = "/feeds"
# What `secrets.token_urlsafe(32)` gives: 43 characters of base64url.
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class FeedOwner:
    """Whose feed a secret opens: a patient's (by patient id) or a staff member's."""

    patient_id: int | None = None
    staff_id: int | None = None


def token_hash(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def feed_url(public_url: str, secret: str) -> str:
    """The https:// address of a feed."""
    return f"{public_url.rstrip('/')}{FEED_PATH}/{secret}.ics"


def webcal_url(url: str) -> str:
    """The same address as `webcal://`, which calendar apps open as a subscription."""
    return re.sub(r"^https?://", "webcal://", url)


async def patient_feed(*, session: AsyncSession, patient_id: int) -> PatientFeed | None:
    """The patient's feed row, if they asked for a link."""
    return await session.get(PatientFeed, patient_id)


async def staff_feed(*, session: AsyncSession, staff_id: int) -> StaffFeed | None:
    """The staff member's feed row, if they asked for a link."""
    return await session.get(StaffFeed, staff_id)


async def _new_link(
    session: AsyncSession, row: PatientFeed | StaffFeed | None, fresh: PatientFeed | StaffFeed
) -> str:
    """Give `row` (or `fresh`, when there is none yet) a new secret's hash; the secret."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    row = row or fresh
    row.token_hash, row.created_at = token_hash(secret), fresh.created_at
    session.add(row)
    await session.flush()
    return secret


async def new_patient_link(*, session: AsyncSession, patient_id: int, now: datetime) -> str:
    """A new secret for the patient's feed; any earlier link stops working. Returns the
    secret, which is never stored: this is the only time it can be shown."""
    row = await session.get(PatientFeed, patient_id)
    fresh = PatientFeed(patient_id=patient_id, token_hash="", created_at=now)
    return await _new_link(session, row, fresh)


async def new_staff_link(*, session: AsyncSession, staff_id: int, now: datetime) -> str:
    """A new secret for a staff member's clinic feed; any earlier link of theirs stops working."""
    row = await session.get(StaffFeed, staff_id)
    return await _new_link(
        session, row, StaffFeed(staff_id=staff_id, token_hash="", created_at=now)
    )


async def revoke_patient_feed(*, session: AsyncSession, patient_id: int) -> None:
    """Delete the patient's feed row: their link answers 404 from this commit on."""
    statement = delete(PatientFeed).where(col(PatientFeed.patient_id) == patient_id)
    await session.exec(statement.execution_options(synchronize_session=False))


async def owner_of(*, session: AsyncSession, secret: str) -> FeedOwner | None:
    """Whose feed `secret` opens; None for a malformed, replaced or revoked one."""
    if not _SECRET.fullmatch(secret):
        return None
    wanted = token_hash(secret)
    patient = (
        await session.exec(select(PatientFeed).where(PatientFeed.token_hash == wanted))
    ).first()
    if patient is not None and hmac.compare_digest(patient.token_hash, wanted):
        return FeedOwner(patient_id=patient.patient_id)
    staff = (await session.exec(select(StaffFeed).where(StaffFeed.token_hash == wanted))).first()
    if staff is not None and hmac.compare_digest(staff.token_hash, wanted):
        return FeedOwner(staff_id=staff.staff_id)
    return None
