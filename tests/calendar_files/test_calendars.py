"""Patient and staff files: what every parser reads, updates, cancellations, privacy, checks."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from mesobot.calendar_files import (
    CalendarEntry,
    CalendarSource,
    build_calendar,
    build_staff_calendar,
    new_uid,
    staff_entries_between,
    staff_uid,
)
from tests.calendar_files.factories import (
    CLINIC,
    MADRID,
    SENSITIVE_TREATMENT,
    STAMP,
    course,
    course_versions,
    staff_agenda,
)
from tests.calendar_files.parsers import read_with_all


def _patient_file(entries: list[CalendarEntry], *, name_treatment: bool = False) -> bytes:
    return build_calendar(
        entries=entries, clinic=CLINIC, stamp=STAMP, language="en", name_treatment=name_treatment
    )


@pytest.mark.parametrize("version", ["booked", "moved", "cancelled"])
def test_every_parser_reads_each_patient_file_at_the_stored_instants(version: str) -> None:
    """New, updated and cancelled files: the three parsers agree, on the stored instants."""
    entries = dict(zip(["booked", "moved", "cancelled"], course_versions(), strict=True))[version]
    events = read_with_all(_patient_file(entries))
    assert [(e.uid, e.sequence, e.start_utc, e.end_utc) for e in events] == sorted(
        (entry.uid, entry.sequence, entry.start_utc, entry.end_utc) for entry in entries
    )


def test_every_parser_reads_the_staff_file_at_the_stored_instants() -> None:
    """The staff file: the three parsers agree, on the stored instants, under staff UIDs."""
    entries = staff_entries_between(staff_agenda(), first_day=date(2026, 3, 2))
    ics = build_staff_calendar(entries=entries, clinic=CLINIC, stamp=STAMP, language="en")
    events = read_with_all(ics)
    assert [(e.uid, e.start_utc, e.end_utc, e.status) for e in events] == sorted(
        (
            staff_uid(entry.uid),
            entry.start_utc,
            entry.end_utc,
            "CANCELLED" if entry.cancelled else "CONFIRMED",
        )
        for entry in entries
    )
    assert all(event.alarms == 0 for event in events)


def test_updates_keep_uids_and_raise_sequence() -> None:
    """A move raises only the moved session's SEQUENCE; a cancellation raises it again."""
    booked, moved, cancelled = (read_with_all(_patient_file(v)) for v in course_versions())
    assert [e.uid for e in booked] == [e.uid for e in moved] == [e.uid for e in cancelled]
    assert [e.sequence for e in booked] == [0, 0, 0]
    assert [e.sequence for e in moved] == [0, 1, 0]
    assert [e.sequence for e in cancelled] == [0, 1, 1]
    assert moved[1].start_utc == booked[1].start_utc + timedelta(days=2)


def test_cancelled_session_is_marked_and_loses_its_alarm() -> None:
    """STATUS:CANCELLED, a "Cancelled:" summary, and no alarm left to ring for it."""
    events = read_with_all(_patient_file(course_versions()[2]))
    assert [e.status for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert [e.alarms for e in events] == [1, 1, 0]
    assert events[2].summary.startswith("Cancelled: ")


def test_calendar_is_published_with_the_required_properties() -> None:
    """PRODID, VERSION 2.0, METHOD:PUBLISH and each required VEVENT property and alarm."""
    calendar = icalendar.Calendar.from_ical(_patient_file(course([date(2026, 3, 17)])))
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["PRODID"]
    (event,) = calendar.walk("VEVENT")
    for name in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "LOCATION"):
        assert name in event
    assert event.decoded("DTSTAMP") == STAMP
    assert event["LOCATION"] == CLINIC.address
    assert "ATTENDEE" not in event  # a published file, not an invitation: no one to reply
    (alarm,) = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(days=-1)


def test_organizer_is_the_clinic_phone_without_an_email() -> None:
    """Without an e-mail, ORGANIZER is an RFC 3966 tel: URI named by the clinic."""
    calendar = icalendar.Calendar.from_ical(_patient_file(course([date(2026, 3, 17)])))
    (event,) = calendar.walk("VEVENT")
    assert event["ORGANIZER"] == "tel:+34911234567"
    assert event["ORGANIZER"].params["CN"] == CLINIC.name


def test_organizer_is_the_clinic_email_when_it_has_one() -> None:
    """With an e-mail, ORGANIZER is mailto:, which calendar apps expect."""
    clinic = replace(CLINIC, email="citas@clinica.example")
    ics = build_calendar(
        entries=course([date(2026, 3, 17)]), clinic=clinic, stamp=STAMP, language="en"
    )
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert event["ORGANIZER"] == "mailto:citas@clinica.example"


def _all_text(ics: bytes) -> str:
    """What any app could show: the unfolded file and every parsed text, lower-cased."""
    events = read_with_all(ics)
    parsed = " ".join(f"{e.summary} {e.location} {e.description}" for e in events)
    return (ics.replace(b"\r\n ", b"").decode("utf-8") + parsed).lower()


def test_default_file_names_no_treatment_or_health_detail() -> None:
    """A sensitive treatment name, and any word of it, stays out unless the clinic opts in."""
    entries = course([date(2026, 3, 17), date(2026, 3, 31)], treatment=SENSITIVE_TREATMENT)
    shown = _all_text(_patient_file(entries))
    for word in re.findall(r"\w{4,}", SENSITIVE_TREATMENT.lower()):
        assert word not in shown
    for health_word in ("pregnan", "medication", "allerg", "cortisone", "side effect", "pain"):
        assert health_word not in shown
    summaries = [e.summary for e in read_with_all(_patient_file(entries))]
    assert summaries == [
        "Session at Clínica Ñandú (1 of 2)",
        "Session at Clínica Ñandú (2 of 2)",
    ]


def test_opt_in_names_the_treatment() -> None:
    """With name_treatment=True the summary names the treatment, and still nothing else."""
    entries = course([date(2026, 3, 17)], treatment="Facial rejuvenation")
    (event,) = read_with_all(_patient_file(entries, name_treatment=True))
    assert event.summary == "Facial rejuvenation at Clínica Ñandú"
    assert "Facial" not in event.description


def test_staff_file_holds_initials_and_codes_only() -> None:
    """Staff summaries are initials and a session code; no treatment, no alarm."""
    entries = staff_entries_between(staff_agenda(), first_day=date(2026, 3, 2))
    events = read_with_all(
        build_staff_calendar(entries=entries, clinic=CLINIC, stamp=STAMP, language="en")
    )
    assert [e.summary for e in events] == [
        "M.G. · FR-1/4",
        "Cancelled: J.P.Ñ. · FAT-2/3",
        "A.R. · CEL-1/3",
    ]


def test_staff_window_is_thirty_local_days() -> None:
    """Sessions from the first day up to, not including, day 30 after it, by local date."""
    agenda = staff_agenda()
    kept = staff_entries_between(agenda, first_day=date(2026, 3, 2))
    assert [entry.session_code for entry in kept] == ["FR-1/4", "FAT-2/3", "CEL-1/3"]
    assert staff_entries_between(agenda, first_day=date(2026, 3, 4), days=1) == []


def test_new_uids_are_random_and_carry_no_personal_data() -> None:
    """A UID is 128 random bits in hex at mesobot: nothing about the patient or the session."""
    uids = {new_uid() for _ in range(1000)}
    assert len(uids) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}@mesobot", uid) for uid in uids)


def test_a_wall_time_skipped_by_the_clock_change_is_refused() -> None:
    """02:30 on Madrid's spring-forward night names no instant."""
    start = datetime(2026, 3, 29, 2, 30, tzinfo=MADRID)
    with pytest.raises(ValueError, match="does not exist"):
        replace(course([date(2026, 3, 17)])[0], start=start, end=start + timedelta(hours=1))


def test_a_repeated_wall_time_keeps_its_fold() -> None:
    """The second 02:30 of the autumn night is written as that instant, in every parser."""
    start = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=MADRID)
    entry = replace(course([date(2026, 3, 17)])[0], start=start, end=start + timedelta(hours=1))
    (event,) = read_with_all(_patient_file([entry]))
    assert event.start_utc.isoformat() == "2026-10-25T01:30:00+00:00"


def test_entries_need_the_clinic_zone_and_sane_fields() -> None:
    """Naive or fixed-offset times, reversed times, bad numbers and duplicates are refused."""
    entry = course([date(2026, 3, 17)])[0]
    with pytest.raises(ValueError, match="ZoneInfo"):
        replace(entry, start=entry.start.replace(tzinfo=None))
    with pytest.raises(ValueError, match="same zone"):
        replace(entry, end=entry.end.astimezone(ZoneInfo("Europe/Lisbon")))
    with pytest.raises(ValueError, match="after start"):
        replace(entry, end=entry.start)
    with pytest.raises(ValueError, match="session_number"):
        replace(entry, session_number=2)
    with pytest.raises(ValueError, match="share a UID"):
        _patient_file([entry, entry])
    with pytest.raises(ValueError, match="at least one"):
        _patient_file([])


def test_clinic_addresses_must_be_writable_as_uris() -> None:
    """A tel: URI needs a global number; e-mail and bot URL cannot break a line or a value."""
    with pytest.raises(ValueError, match="international"):
        CalendarSource(name="X", address="Y", phone="911 23 45 67")
    with pytest.raises(ValueError, match="plain address"):
        replace(CLINIC, email="citas@clinica.example\r\nATTENDEE:x")
    with pytest.raises(ValueError, match="https"):
        replace(CLINIC, bot_url="https://t.me/bot\nX")
