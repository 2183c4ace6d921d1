"""Builders of clinics, courses and staff agendas for the calendar-file tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mesobot.calendar_files import CalendarEntry, CalendarSource, StaffEntry, with_sequences

STAMP = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
MADRID = ZoneInfo("Europe/Madrid")
# Long enough, with multibyte characters, to be folded in the middle of a line.
ADDRESS = "Calle de la Reina Sofía 12, 3º izq., 28013 Madrid — Clínica Ñandú"
SENSITIVE_TREATMENT = "Mesoterapia lipolítica: abdomen (fosfatidilcolina, tras embarazo)"

CLINIC = CalendarSource(
    name="Clínica Ñandú",
    address=ADDRESS,
    phone="+34 911 23 45 67",
    bot_url="https://t.me/NanduClinicBot",
)


def fixed_uid(number: int, course: str = "a") -> str:
    """A UID shaped like `new_uid()`'s but the same in every run."""
    return f"{course * 8}{number:024x}@mesobot"


def course(
    days: list[date],
    *,
    at: time = time(10, 0),
    zone: ZoneInfo = MADRID,
    minutes: int = 45,
    treatment: str = SENSITIVE_TREATMENT,
    course_id: str = "a",
) -> list[CalendarEntry]:
    """A course with one session per day in `days`, each at `at` local time."""
    entries = []
    for number, day in enumerate(days, start=1):
        start = datetime.combine(day, at, tzinfo=zone)
        entries.append(
            CalendarEntry(
                uid=fixed_uid(number, course_id),
                sequence=0,
                start=start,
                end=start + timedelta(minutes=minutes),
                session_number=number,
                session_count=len(days),
                treatment=treatment,
            )
        )
    return entries


def staff_agenda() -> list[StaffEntry]:
    """Four sessions of three patients, one cancelled and one beyond the 30 days."""
    rows = [
        ("b", 1, date(2026, 3, 3), time(9, 30), "M.G.", "FR-1/4", False),
        ("c", 2, date(2026, 3, 10), time(17, 0), "J.P.Ñ.", "FAT-2/3", True),
        ("d", 1, date(2026, 3, 31), time(10, 0), "A.R.", "CEL-1/3", False),
        ("b", 2, date(2026, 4, 20), time(9, 30), "M.G.", "FR-2/4", False),
    ]
    return [
        StaffEntry(
            uid=fixed_uid(number, course_id),
            sequence=1 if cancelled else 0,
            start=datetime.combine(day, at, tzinfo=MADRID),
            end=datetime.combine(day, at, tzinfo=MADRID) + timedelta(minutes=30),
            initials=initials,
            session_code=code,
            cancelled=cancelled,
        )
        for course_id, number, day, at, initials, code, cancelled in rows
    ]


def course_versions() -> tuple[list[CalendarEntry], list[CalendarEntry], list[CalendarEntry]]:
    """A three-session course across Madrid's spring clock change, as booked, after session 2
    moved two days later, and after session 3 was then cancelled."""
    booked = course([date(2026, 3, 17), date(2026, 3, 31), date(2026, 4, 14)])
    moved = with_sequences(
        previous=booked,
        current=[
            booked[0],
            replace(
                booked[1],
                start=booked[1].start + timedelta(days=2),
                end=booked[1].end + timedelta(days=2),
            ),
            booked[2],
        ],
    )
    cancelled = with_sequences(
        previous=moved, current=[*moved[:2], replace(moved[2], cancelled=True)]
    )
    return booked, moved, cancelled
