"""What a feed holds, as iCalendar bytes: the same events, UIDs and SEQUENCE as the files.

A patient's feed carries every course's published entries (`CalendarPublication`, which the
files are built from too), so a subscribed calendar and an imported file never disagree about
a session. A cancelled session stays, with STATUS:CANCELLED, for `CANCELLED_KEPT` after it was
cancelled (long enough for every subscribed app to have fetched it), then drops out. A
staff member's feed is the clinic's next `STAFF_DAYS` days, initials and session codes only.

DTSTAMP is the last publication's time, not the time of the request: the same sessions give
the same bytes, so that the ETag (a hash of them) says whether anything changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.calendar_delivery.delivery import entry_from_json, upcoming_staff_sessions
from mesobot.calendar_delivery.models import CalendarPublication
from mesobot.calendar_feeds.models import StaffFeed
from mesobot.calendar_files import StaffEntry, build_calendar, build_staff_calendar
from mesobot.i18n import translations
from mesobot.models import Appointment, Course, Patient, SessionState, StateEvent
from mesobot.staff.languages import staff_language
from mesobot.texts import feeds as texts

if TYPE_CHECKING:
    from mesobot.services import Services

CANCELLED_KEPT = timedelta(days=30)
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # DTSTAMP of a feed with nothing published yet


def initials(first_name: str | None, last_name: str | None) -> str:
    """A person's initials, as "A.G.", from their names (at most three)."""
    words = f"{first_name or ''} {last_name or ''}".split()
    letters = [word[0].upper() for word in words if word[0].isalpha()][:3]
    return "".join(f"{letter}." for letter in letters) or "?"


async def _cancelled_at(session: AsyncSession, course_ids: list[int]) -> dict[str, datetime]:
    """When each cancelled session of these courses was cancelled (last time), by UID."""
    query = (
        select(Appointment.calendar_uid, func.max(StateEvent.at))
        .join(StateEvent, col(StateEvent.appointment_id) == col(Appointment.id))
        .where(
            col(Appointment.course_id).in_(course_ids),
            StateEvent.to_state == SessionState.CANCELLED.value,
        )
        .group_by(Appointment.calendar_uid)
    )
    return {uid: at for uid, at in (await session.exec(query)).all() if at is not None}


def _still_shown(data: dict[str, Any], cancelled_at: dict[str, datetime], now: datetime) -> bool:
    if not data["cancelled"]:
        return True
    # Without a recorded cancellation, the session's own start counts as one.
    since = cancelled_at.get(data["uid"]) or entry_from_json(data).start_utc
    return now - since <= CANCELLED_KEPT


def _treatment_name(services: Services, key: str, language: str) -> str:
    treatment = services.clinic.treatments.get(key)
    return treatment.name.in_language(language) if treatment else key


async def patient_feed_body(
    *, session: AsyncSession, services: Services, patient_id: int
) -> bytes | None:
    """The patient's feed; None when the patient is gone or erased."""
    patient = await session.get(Patient, patient_id)
    if patient is None or patient.erased_at is not None:
        return None
    query = (
        select(CalendarPublication)
        .join(Course, col(Course.id) == col(CalendarPublication.course_id))
        .where(Course.patient_id == patient_id)
    )
    publications = list(await session.exec(query))
    cancelled_at = await _cancelled_at(session, [p.course_id for p in publications])
    now, language = services.clock.now(), patient.language
    entries = [
        entry_from_json(data, treatment=_treatment_name(services, data["treatment"], language))
        for publication in publications
        for data in publication.entries
        if _still_shown(data, cancelled_at, now)
    ]
    clinic = services.clinic.clinic
    return build_calendar(
        entries=entries,
        clinic=clinic.calendar_source(),
        stamp=_stamp((p.published_at for p in publications), patient.created_at),
        language=language,
        name_treatment=clinic.name_treatment_in_calendar,
        feed_name=texts.patient_feed_name(translations(language), clinic_name=clinic.name),
    )


async def staff_feed_body(
    *, session: AsyncSession, services: Services, staff_id: int
) -> bytes | None:
    """A staff member's clinic feed; None once they are no longer staff."""
    if not services.is_staff(staff_id):
        return None
    found = await upcoming_staff_sessions(session=session, services=services)
    patient_ids = sorted({patient_id for _entry, _code, patient_id in found})
    rows = await session.exec(
        select(Patient.id, Patient.display_name).where(col(Patient.id).in_(patient_ids))
    )
    names = {patient_id: initials(name, None) for patient_id, name in rows if patient_id}
    entries = [
        StaffEntry(
            uid=entry.uid,
            sequence=entry.sequence,
            start=entry.start,
            end=entry.end,
            cancelled=entry.cancelled,
            initials=names.get(patient_id, "?"),
            session_code=code or "?",
        )
        for entry, code, patient_id in found
    ]
    latest = await session.exec(select(func.max(CalendarPublication.published_at)))
    feed = await session.get(StaffFeed, staff_id)
    clinic = services.clinic.clinic
    language = await staff_language(session=session, staff_id=staff_id) or clinic.languages[0]
    return build_staff_calendar(
        entries=entries,
        clinic=clinic.calendar_source(),
        stamp=_stamp([latest.one()], feed.created_at if feed else _EPOCH),
        language=language,
        feed_name=texts.staff_feed_name(translations(language), clinic_name=clinic.name),
    )


def _stamp(instants: Iterable[datetime | None], fallback: datetime) -> datetime:
    known = [instant for instant in instants if instant is not None]
    return max(known) if known else fallback
