"""Reads a calendar file with three independent parsers and checks that they agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream


@dataclass(frozen=True, order=True)
class ParsedEvent:
    """What one parser read of one VEVENT, with instants in UTC."""

    uid: str
    sequence: int
    status: str
    start_utc: datetime
    end_utc: datetime
    summary: str
    location: str
    description: str
    alarms: int


def _utc(value: Any) -> datetime:
    assert isinstance(value, datetime), f"{value!r} is not a date-time"
    assert value.tzinfo is not None, f"{value!r} is floating"
    return value.astimezone(UTC)


def read_with_icalendar(ics: bytes) -> list[ParsedEvent]:
    """The events as icalendar (the project's runtime library) reads them."""
    calendar = icalendar.Calendar.from_ical(ics)
    return sorted(
        ParsedEvent(
            uid=str(event["UID"]),
            sequence=int(event.get("SEQUENCE", 0)),
            status=str(event["STATUS"]),
            start_utc=_utc(event.decoded("DTSTART")),
            end_utc=_utc(event.decoded("DTEND")),
            summary=str(event["SUMMARY"]),
            location=str(event["LOCATION"]),
            description=str(event["DESCRIPTION"]),
            alarms=len(event.walk("VALARM")),
        )
        for event in calendar.walk("VEVENT")
    )


def read_with_ical(ics: bytes) -> list[ParsedEvent]:
    """The events as allenporter's `ical` (a pydantic, RFC-strict parser) reads them."""
    calendar = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))
    return sorted(
        ParsedEvent(
            uid=str(event.uid),
            sequence=event.sequence or 0,
            status=str(event.status.value if event.status else None),
            start_utc=_utc(event.dtstart),
            end_utc=_utc(event.dtend),
            summary=event.summary or "",
            location=event.location or "",
            description=event.description or "",
            alarms=len(event.alarm),
        )
        for event in calendar.events
    )


def read_with_vobject(ics: bytes) -> list[ParsedEvent]:
    """The events as vobject (an older, independent vCard/iCalendar parser) reads them."""
    calendar = vobject.readOne(ics.decode("utf-8"))
    return sorted(
        ParsedEvent(
            uid=event.uid.value,
            sequence=int(event.sequence.value),
            status=event.status.value,
            start_utc=_utc(event.dtstart.value),
            end_utc=_utc(event.dtend.value),
            summary=event.summary.value,
            location=event.location.value,
            description=event.description.value,
            alarms=len(getattr(event, "valarm_list", [])),
        )
        for event in getattr(calendar, "vevent_list", [])  # none in an empty feed
    )


PARSERS = {
    "icalendar": read_with_icalendar,
    "ical": read_with_ical,
    "vobject": read_with_vobject,
}


def read_with_all(ics: bytes) -> list[ParsedEvent]:
    """The events, sorted, after checking that every parser read exactly the same ones."""
    readings = {name: read(ics) for name, read in PARSERS.items()}
    first = readings["icalendar"]
    for name, events in readings.items():
        assert events == first, f"{name} disagrees with icalendar:\n{events}\n{first}"
    return first
