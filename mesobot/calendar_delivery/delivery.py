"""Calendar files follow a confirmed course: every change sends the patient an updated file.

An observer on `Services.session_observers` hears of every change to sessions. When a course
is confirmed, or a session of a confirmed course is moved or cancelled, it builds the course's
entries, compares them with the ones last published (`CalendarPublication`), raises the
SEQUENCE of each entry that changed (`with_sequences`), stores it on the session and in the
publication, and queues one calendar message to the patient through the outbox, all in the
caller's transaction. The message's payload holds the previous and the current entries, so
the file and the words saying what changed are rendered in the patient's language when sent,
and each file is exactly the version its message describes.

Which sessions a file carries: confirmed (and done, no-show) ones as confirmed; cancelled ones
that were published, with STATUS:CANCELLED; a session a patient moved that waits for staff
again keeps its published entry until staff confirm it; sessions never published and not
confirmed are left out. Several changes of one course in one transaction give one file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.calendar_delivery.models import CalendarPublication
from mesobot.calendar_files import (
    STAFF_DAYS,
    CalendarEntry,
    StaffEntry,
    build_calendar,
    build_staff_calendar,
    describe_changes,
    with_sequences,
)
from mesobot.db import MesobotSession
from mesobot.i18n import translations
from mesobot.lifecycle import Change, SessionChange
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.outbox.api import QueuedMessage, cancel, enqueue, replace_payload
from mesobot.outbox.policies import (
    Document,
    LateAction,
    LatePolicy,
    RenderedMessage,
    Renderer,
    RenderRequest,
)
from mesobot.scheduling.localtime import utc_instant, zone_named
from mesobot.texts import calendar as texts

if TYPE_CHECKING:
    from mesobot.clinic import Clinic
    from mesobot.services import Services

CALENDAR_KIND = "calendar.course"
PATIENT_FILENAME = "appointments.ics"
STAFF_FILENAME = "agenda.ics"
PUBLISHING_CHANGES = frozenset({Change.CONFIRMED, Change.MOVED, Change.CANCELLED})
SHOWN_AS_CONFIRMED = frozenset({SessionState.CONFIRMED, SessionState.DONE, SessionState.NO_SHOW})
# A file is the state of a course: an old one still helps (it is replaced by the next), so it
# is sent however late, unless it is so late that the sessions in it are probably over.
CALENDAR_LATE_POLICY = LatePolicy(action=LateAction.SEND, max_lateness=timedelta(days=7))

# Calendar messages queued in the current transaction, by course: a second change of the same
# course in that transaction updates the queued message instead of queueing another file.
_QUEUED = "mesobot.calendar.queued"


@event.listens_for(MesobotSession, "after_commit")
@event.listens_for(MesobotSession, "after_soft_rollback")
def _forget_queued(session: MesobotSession, *_args: Any) -> None:
    session.info.pop(_QUEUED, None)


# Entries as stored (publication, payload): wall time and zone, UIDs and numbers; no names.
def entry_to_json(entry: CalendarEntry) -> dict[str, Any]:
    """An entry as JSON: its local wall time and zone are kept, its instant is derived."""
    return {
        "uid": entry.uid,
        "sequence": entry.sequence,
        "date": entry.start.date().isoformat(),
        "time": entry.start.time().isoformat(),
        "fold": entry.start.fold,
        "zone": entry.zone,
        "minutes": int((entry.end_utc - entry.start_utc) / timedelta(minutes=1)),
        "cancelled": entry.cancelled,
        "number": entry.session_number,
        "count": entry.session_count,
        "treatment": entry.treatment,
    }


def _local_start(day: date, wall: time, zone_key: str) -> datetime:
    zone = zone_named(zone_key)
    # Through UTC: a wall time that a change of zone rules made nonexistent lands after the gap.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC).astimezone(zone)


def entry_from_json(data: Mapping[str, Any], *, treatment: str | None = None) -> CalendarEntry:
    """An entry read back; `treatment` replaces the stored treatment key (a display name)."""
    wall = time.fromisoformat(data["time"]).replace(fold=int(data["fold"]))
    start = _local_start(date.fromisoformat(data["date"]), wall, data["zone"])
    end = (start.astimezone(UTC) + timedelta(minutes=int(data["minutes"]))).astimezone(
        start.tzinfo
    )
    return CalendarEntry(
        uid=data["uid"],
        sequence=int(data["sequence"]),
        start=start,
        end=end,
        cancelled=bool(data["cancelled"]),
        session_number=int(data["number"]),
        session_count=int(data["count"]),
        treatment=treatment if treatment is not None else data["treatment"],
    )


def entry_of(appointment: Appointment, *, course: Course, cancelled: bool) -> CalendarEntry:
    """A session as its patient's calendar shows it, from its wall time (the truth)."""
    zone = zone_named(appointment.zone)
    start = utc_instant(appointment.local_date, appointment.local_time, zone)
    end = start + timedelta(minutes=appointment.duration_minutes)
    return CalendarEntry(
        uid=appointment.calendar_uid,
        sequence=appointment.calendar_sequence,
        start=start.astimezone(zone),
        end=end.astimezone(zone),
        cancelled=cancelled,
        session_number=appointment.number,
        # Cancelling the rest shortens a course (to none, from its first session).
        session_count=max(course.session_count, appointment.number),
        treatment=course.treatment,  # the catalog key; names are put in when rendering
    )


def course_entries(
    *, course: Course, appointments: Iterable[Appointment], published: Sequence[CalendarEntry]
) -> list[CalendarEntry]:
    """The entries a course's file carries now (see the module's docstring for which)."""
    earlier = {entry.uid: entry for entry in published}
    entries = []
    for appointment in sorted(appointments, key=lambda a: a.number):
        before = earlier.get(appointment.calendar_uid)
        if appointment.state in SHOWN_AS_CONFIRMED:
            entries.append(entry_of(appointment, course=course, cancelled=False))
        elif appointment.state == SessionState.CANCELLED and before is not None:
            entries.append(entry_of(appointment, course=course, cancelled=True))
        elif before is not None:  # requested again (moved by the patient): not decided yet
            entries.append(before)
    return entries


def _fingerprint(entries: Iterable[CalendarEntry]) -> str:
    versions = sorted((entry.uid, entry.sequence, entry.cancelled) for entry in entries)
    return hashlib.sha256(json.dumps(versions).encode()).hexdigest()[:16]


def _as_json(entries: Iterable[CalendarEntry]) -> list[dict[str, Any]]:
    return [entry_to_json(entry) for entry in sorted(entries, key=lambda e: e.uid)]


async def _course_rows(
    session: AsyncSession, course_id: int
) -> tuple[Course, Patient, list[Appointment]] | None:
    course = await session.get(Course, course_id)
    patient = await session.get(Patient, course.patient_id) if course else None
    if course is None or patient is None:
        return None
    query = select(Appointment).where(Appointment.course_id == course_id)
    return course, patient, list(await session.exec(query))


def _record_publication(
    session: AsyncSession,
    publication: CalendarPublication,
    appointments: Iterable[Appointment],
    current: Sequence[CalendarEntry],
    now: datetime,
) -> None:
    # The new SEQUENCE on each session; the entries as the patient's calendar will hold them.
    sequences = {entry.uid: entry.sequence for entry in current}
    for appointment in appointments:
        if appointment.calendar_uid in sequences:
            appointment.calendar_sequence = sequences[appointment.calendar_uid]
            session.add(appointment)
    publication.entries, publication.published_at = _as_json(current), now
    session.add(publication)


async def publish_course(
    *, session: AsyncSession, course_id: int, now: datetime
) -> QueuedMessage | None:
    """Queue the course's updated file if its entries changed since the last one published.

    Runs in the caller's transaction; returns the queued (or updated) message, if any.
    """
    rows = await _course_rows(session, course_id)
    if rows is None:
        return None
    course, patient, appointments = rows
    publication = await session.get(CalendarPublication, course_id)
    if publication is None and course.state != CourseState.CONFIRMED:
        return None  # a request not yet confirmed has no calendar file
    published = [entry_from_json(data) for data in (publication.entries if publication else [])]
    queued: dict[int, tuple[int, list[dict[str, Any]]]] = session.sync_session.info.setdefault(
        _QUEUED, {}
    )
    already = queued.get(course_id)
    # Against what the patient's calendar holds: the file queued earlier in this transaction
    # will be replaced by this one, so its SEQUENCE must not count twice.
    baseline = [entry_from_json(data) for data in already[1]] if already else published
    current = with_sequences(
        previous=baseline,
        current=course_entries(course=course, appointments=appointments, published=published),
    )
    if not current or (already is None and _as_json(current) == _as_json(baseline)):
        return None
    publication = publication or CalendarPublication(course_id=course_id, published_at=now)
    _record_publication(session, publication, appointments, current, now)
    previous = _as_json(baseline)
    payload = {"course_id": course_id, "previous": previous, "current": _as_json(current)}
    if already is not None:
        if _as_json(current) == _as_json(baseline):  # the changes undid each other
            await cancel(session=session, ids=[already[0]])
            return None
        return await replace_payload(session=session, message_id=already[0], payload=payload)
    message = await enqueue(
        session=session,
        recipient=patient.chat,
        kind=CALENDAR_KIND,
        payload=payload,
        due_at=now,
        idempotency_key=f"calendar:{course_id}:{_fingerprint(current)}",
        now=now,
        cause=calendar_cause(course_id),
    )
    queued[course_id] = (message.id, previous)
    return message


def calendar_cause(course_id: int) -> str:
    """The outbox cause of a course's calendar files (apart from `session:` and `course:`, so
    that cancelling a session's reminders never cancels the file that tells of it)."""
    return f"calendar:{course_id}"


async def publish_calendar_changes(
    session: AsyncSession,
    _services: Services,
    changes: Sequence[SessionChange],
    now: datetime,
) -> None:
    """The observer: one updated file per course whose confirmed sessions changed."""
    course_ids = sorted(
        {change.appointment.course_id for change in changes if change.change in PUBLISHING_CHANGES}
    )
    for course_id in course_ids:
        await publish_course(session=session, course_id=course_id, now=now)


def _treatment_name(clinic: Clinic, key: str, language: str) -> str:
    treatment = clinic.treatments.get(key)
    return treatment.name.in_language(language) if treatment else key


def patient_file(
    *, services: Services, entries_json: Iterable[Mapping[str, Any]], language: str
) -> Document:
    """A patient's file from stored entries, in `language`, stamped with the clock's now."""
    clinic = services.clinic
    entries = [
        entry_from_json(data, treatment=_treatment_name(clinic, data["treatment"], language))
        for data in entries_json
    ]
    content = build_calendar(
        entries=entries,
        clinic=clinic.clinic.calendar_source(),
        stamp=services.clock.now(),
        language=language,
        name_treatment=clinic.clinic.name_treatment_in_calendar,
    )
    return Document(PATIENT_FILENAME, content)


def calendar_renderer(services: Services) -> Renderer:
    """The renderer of `CALENDAR_KIND`: the file, and a caption that says what changed."""

    async def render(request: RenderRequest) -> RenderedMessage | None:
        payload, language = request.message.payload, request.language
        t = translations(language)
        previous = [entry_from_json(data) for data in payload["previous"]]
        if previous:
            current = [entry_from_json(data) for data in payload["current"]]
            changes = describe_changes(previous=previous, current=current, language=language)
            caption = texts.changed_file_caption(t, changes=changes)
        else:
            caption = texts.new_file_caption(t, clinic_name=services.clinic.clinic.name)
        document = patient_file(
            services=services, entries_json=payload["current"], language=language
        )
        return RenderedMessage(caption, document=document)

    return render


async def current_patient_file(
    *, session: AsyncSession, services: Services, telegram_user_id: int, language: str
) -> Document | None:
    """The patient's current file: every published course with a session still to come."""
    query = (
        select(CalendarPublication)
        .join(Course, col(Course.id) == col(CalendarPublication.course_id))
        .join(Patient, col(Patient.id) == col(Course.patient_id))
        .where(Patient.telegram_user_id == telegram_user_id)
    )
    now = services.clock.now()
    entries: list[dict[str, Any]] = []
    for publication in await session.exec(query):
        read = [entry_from_json(data) for data in publication.entries]
        if any(not entry.cancelled and entry.end_utc > now for entry in read):
            entries.extend(publication.entries)
    if not entries:
        return None
    return patient_file(services=services, entries_json=entries, language=language)


async def upcoming_staff_sessions(
    *, session: AsyncSession, services: Services
) -> list[tuple[CalendarEntry, str, int]]:
    """Published sessions of the next `STAFF_DAYS` local days: (entry, session code, the
    patient's id), cancelled ones included so that a staff calendar drops them."""
    now = services.clock.now()
    first_day = now.astimezone(zone_named(services.clinic.clinic.timezone)).date()
    last_day = first_day + timedelta(days=STAFF_DAYS)  # as `staff_entries_between` counts
    recent = select(Appointment.course_id).where(
        Appointment.start_utc >= now - timedelta(days=1),
        Appointment.start_utc < now + timedelta(days=STAFF_DAYS + 2),
    )
    query = (
        select(CalendarPublication, Course.patient_id)
        .join(Course, col(Course.id) == col(CalendarPublication.course_id))
        .join(Patient, col(Patient.id) == col(Course.patient_id))
        .where(col(CalendarPublication.course_id).in_(recent))
    )
    published = list(await session.exec(query))
    in_courses = col(Appointment.course_id).in_([p.course_id for p, _ in published])
    uid_codes = select(Appointment.calendar_uid, Appointment.code).where(in_courses)
    codes = dict((await session.exec(uid_codes)).all())
    found = []
    for publication, patient_id in published:
        for data in publication.entries:
            entry = entry_from_json(data)
            if entry.uid in codes and first_day <= entry.start.date() < last_day:
                found.append((entry, codes[entry.uid], patient_id))
    return sorted(found, key=lambda item: (item[0].start_utc, item[0].uid))


def _staff(entry: CalendarEntry, initials: str, code: str) -> StaffEntry:
    return StaffEntry(
        uid=entry.uid,
        sequence=entry.sequence,
        start=entry.start,
        end=entry.end,
        cancelled=entry.cancelled,
        initials=initials or "?",
        session_code=code or "?",
    )


def staff_file(
    *,
    services: Services,
    appointments: Sequence[tuple[CalendarEntry, str, int]],
    initials: Mapping[int, str],
    language: str,
) -> Document:
    """The staff's file of `appointments`: initials and session codes only."""
    content = build_staff_calendar(
        entries=[
            _staff(entry, initials.get(user_id, ""), code) for entry, code, user_id in appointments
        ],
        clinic=services.clinic.clinic.calendar_source(),
        stamp=services.clock.now(),
        language=language,
    )
    return Document(STAFF_FILENAME, content)


def register_calendar_delivery(services: Services) -> None:
    """Add the calendar message kind and the observer that queues files."""
    services.outbox_kinds.register(
        CALENDAR_KIND, render=calendar_renderer(services), late_policy=CALENDAR_LATE_POLICY
    )
    services.session_observers.append(publish_calendar_changes)
