"""Calendar files (.ics) of a patient's course and of the staff's next days, built as bytes.

Decisions, written down here because every calendar app depends on them:

- DTSTART and DTEND are written in UTC (`...Z`). Every parser reads a UTC date-time as the same
  instant, with no VTIMEZONE to misread after a clock change, and every app shows it at the
  clinic's wall time once converted to the clinic's zone. (Checked before choosing: with
  TZID and icalendar 7.3's `add_missing_timezones()`, vobject 0.9.9 reads a Madrid 10:00 after
  the March change as 11:00, a Santiago one in April as 09:00 and every Lord Howe one as 10:30.)
  A session's truth stays its local wall time and zone: its UTC instant is derived from them
  each time a file is built, so a change in time-zone rules reaches calendars with the next
  file the bot sends.
- ORGANIZER is a calendar user address, which RFC 5545 defines as any URI. The clinic's e-mail
  (`mailto:`) when it has one, because that is what calendar apps expect there; otherwise its
  phone number as an RFC 3966 `tel:` URI, which is standards-valid and still lets a patient
  reach the clinic. CN carries the clinic's name.
- Files are published, not sent as invitations (METHOD:PUBLISH, no ATTENDEE): a patient in
  the bot has no e-mail address to reply from. A change keeps each session's UID and raises
  its SEQUENCE; a cancelled session stays in the file with STATUS:CANCELLED, a "Cancelled:"
  summary for apps that ignore the status, and no alarm, so that no reminder outlives it.
- Privacy: calendars sync to third-party clouds, so a patient's file names the clinic only;
  the treatment is written only when the caller opts in, and no health detail ever is.
  Events are CLASS:PRIVATE so that a shared calendar shows them as busy time only.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from gettext import NullTranslations
from typing import TypeVar
from zoneinfo import ZoneInfo

from mesobot.calendar_files.contentlines import (
    CRLF,
    content_line,
    escape_text,
    format_utc,
    quote_parameter,
)
from mesobot.i18n import translations

PRODID = "-//mesobot//Calendar files//EN"
UID_DOMAIN = "mesobot"
STAFF_DAYS = 30
FEED_REFRESH = "PT1H"

# RFC 3966 global numbers: a "+", the digits, and visual separators that the URI drops.
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_GLOBAL_NUMBER = re.compile(r"\+\d{6,15}")
# URIs are written as they are (a URI value is not escaped), so nothing that could end a
# line or a value may be in them.
_EMAIL = re.compile(r"[^\s@:;,\"<>]+@[^\s@:;,\"<>]+")
_HTTPS_URL = re.compile(r"https://[!-~]+")


def new_uid() -> str:
    """A new random UID for one session, to be stored with it: no personal data in it."""
    return f"{uuid.uuid4().hex}@{UID_DOMAIN}"


def staff_uid(uid: str) -> str:
    """The UID of a session in the staff calendar, apart from the patient's own event."""
    # Someone who imports both files into one account must not see one overwrite the other.
    return f"staff-{uid}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarSource:
    """The clinic as the calendar files show it."""

    name: str
    address: str
    phone: str  # international, e.g. "+34 911 23 45 67"
    email: str | None = None
    bot_url: str | None = None  # e.g. "https://t.me/ClinicBot"

    def __post_init__(self) -> None:
        if not _GLOBAL_NUMBER.fullmatch(_PHONE_SEPARATORS.sub("", self.phone)):
            raise ValueError(f"phone {self.phone!r} must be international, e.g. +34 911 234 567")
        if self.email is not None and not _EMAIL.fullmatch(self.email):
            raise ValueError(f"e-mail {self.email!r} is not a plain address")
        if self.bot_url is not None and not _HTTPS_URL.fullmatch(self.bot_url):
            raise ValueError(f"bot URL {self.bot_url!r} must be an https:// URL")

    @property
    def organizer_uri(self) -> str:
        """The ORGANIZER address: `mailto:` the clinic's e-mail, else `tel:` its phone."""
        if self.email:
            return f"mailto:{self.email}"
        return f"tel:{_PHONE_SEPARATORS.sub('', self.phone)}"


def _check_times(start: datetime, end: datetime) -> None:
    """Refuse times that do not name one local wall time in a known zone."""
    zone = start.tzinfo
    if not isinstance(zone, ZoneInfo) or not isinstance(end.tzinfo, ZoneInfo):
        raise ValueError("start and end must carry the clinic's ZoneInfo")
    if zone.key != end.tzinfo.key:
        raise ValueError("start and end must be in the same zone")
    if end <= start:
        raise ValueError("end must be after start")
    for moment in (start, end):
        # A wall time skipped by a clock change has no instant: the planner never offers one.
        # (Naive datetimes compare wall times only, so a repeated hour's `fold` passes.)
        back = moment.astimezone(UTC).astimezone(zone)
        if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
            raise ValueError(f"{moment.isoformat()} does not exist in {zone.key}")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Timed:
    """What every event has: a stable UID, its SEQUENCE and local start and end."""

    uid: str
    sequence: int
    start: datetime  # the local wall time in the clinic's zone (a ZoneInfo): the truth
    end: datetime
    cancelled: bool = False

    def __post_init__(self) -> None:
        if not self.uid or escape_text(self.uid) != self.uid:
            raise ValueError(f"UID {self.uid!r} must be non-empty plain text")
        if self.sequence < 0:
            raise ValueError("SEQUENCE cannot be negative")
        _check_times(self.start, self.end)

    @property
    def zone(self) -> str:
        """The IANA zone of the session's wall time."""
        assert isinstance(self.start.tzinfo, ZoneInfo)  # checked when built
        return self.start.tzinfo.key

    @property
    def start_utc(self) -> datetime:
        """The instant the session starts, in UTC."""
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """The instant the session ends, in UTC."""
        return self.end.astimezone(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEntry(_Timed):
    """One session of a patient's course, as their calendar file shows it."""

    session_number: int  # 1-based, in the course
    session_count: int
    treatment: str  # patient-facing name; written only when the file opts in

    def __post_init__(self) -> None:
        _Timed.__post_init__(self)
        if not 1 <= self.session_number <= self.session_count:
            raise ValueError("session_number must be within 1..session_count")


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffEntry(_Timed):
    """One session in the staff's calendar: the patient's initials and a session code only."""

    initials: str
    session_code: str


_EntryT = TypeVar("_EntryT", bound=_Timed)


def _calendar(events: Iterable[list[str]], *, feed_name: str | None = None) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        content_line("PRODID", escape_text(PRODID)),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if feed_name is not None:
        # A subscribed feed: its name in the app, and how often to fetch it again (RFC 7986's
        # REFRESH-INTERVAL, and the X-PUBLISHED-TTL that older apps read instead).
        lines += [
            content_line("NAME", escape_text(feed_name)),
            content_line("X-WR-CALNAME", escape_text(feed_name)),
            f"REFRESH-INTERVAL;VALUE=DURATION:{FEED_REFRESH}",
            content_line("X-PUBLISHED-TTL", FEED_REFRESH),
        ]
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return (CRLF.join(lines) + CRLF).encode("utf-8")


def _event(
    entry: _Timed,
    *,
    uid: str,
    stamp: datetime,
    clinic: CalendarSource,
    summary: str,
    description: str,
    alarm: str | None,
) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        content_line("UID", escape_text(uid)),
        content_line("DTSTAMP", format_utc(stamp)),
        content_line("SEQUENCE", str(entry.sequence)),
        content_line("STATUS", "CANCELLED" if entry.cancelled else "CONFIRMED"),
        content_line("DTSTART", format_utc(entry.start)),
        content_line("DTEND", format_utc(entry.end)),
        content_line("SUMMARY", escape_text(summary)),
        content_line("LOCATION", escape_text(clinic.address)),
        content_line("DESCRIPTION", escape_text(description)),
        content_line("ORGANIZER", clinic.organizer_uri, cn=quote_parameter(clinic.name)),
        "CLASS:PRIVATE",
        "TRANSP:OPAQUE",
    ]
    if clinic.bot_url:
        lines.append(content_line("URL", clinic.bot_url))
    # A cancelled session carries no alarm: an app that keeps the event must not ring for it.
    if alarm is not None and not entry.cancelled:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-P1D",
            content_line("DESCRIPTION", escape_text(alarm)),
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def _in_order(entries: Sequence[_EntryT], *, feed: bool = False) -> list[_EntryT]:
    """Entries by start, then UID, so that the same sessions always give the same bytes."""
    uids = [entry.uid for entry in entries]
    if len(set(uids)) != len(uids):
        raise ValueError("two entries share a UID")
    # A feed may be empty for a while (no session yet, or all dropped out); a file may not.
    if not entries and not feed:
        raise ValueError("a calendar file needs at least one session")  # RFC 5545: 1*component
    return sorted(entries, key=lambda entry: (entry.start_utc, entry.uid))


def _patient_summary(
    t: NullTranslations, entry: CalendarEntry, clinic: CalendarSource, *, name_treatment: bool
) -> str:
    _ = t.gettext
    if name_treatment and entry.session_count > 1:
        text = _("{treatment} at {clinic} ({number} of {count})")
    elif name_treatment:
        text = _("{treatment} at {clinic}")
    elif entry.session_count > 1:
        text = _("Session at {clinic} ({number} of {count})")
    else:
        text = _("Session at {clinic}")
    summary = text.format(
        treatment=entry.treatment,
        clinic=clinic.name,
        number=entry.session_number,
        count=entry.session_count,
    )
    return _("Cancelled: {summary}").format(summary=summary) if entry.cancelled else summary


def _patient_description(t: NullTranslations, clinic: CalendarSource, *, cancelled: bool) -> str:
    _ = t.gettext
    if cancelled:
        first = _("This session is cancelled. Your current sessions are in the bot.")
    else:
        first = _(
            "How to prepare, and how to move or cancel this session: ask the clinic's "
            "assistant on Telegram."
        )
    lines = [first]
    if clinic.bot_url:
        lines.append(clinic.bot_url)
    lines.append(_("Phone: {phone}").format(phone=clinic.phone))
    return "\n".join(lines)


def build_calendar(
    *,
    entries: Sequence[CalendarEntry],
    clinic: CalendarSource,
    stamp: datetime,
    language: str,
    name_treatment: bool = False,
    feed_name: str | None = None,
) -> bytes:
    """A patient's calendar file: one VEVENT per session of the course, in `language`.

    `stamp` is the DTSTAMP (now, from the clock). The treatment is named only with
    `name_treatment=True`, the clinic file's opt-in. With `feed_name`, the calendar is a
    subscribed feed of that name, which may have no event.
    """
    t = translations(language)
    _ = t.gettext
    events = []
    for entry in _in_order(entries, feed=feed_name is not None):
        summary = _patient_summary(t, entry, clinic, name_treatment=name_treatment)
        events.append(
            _event(
                entry,
                uid=entry.uid,
                stamp=stamp,
                clinic=clinic,
                summary=summary,
                description=_patient_description(t, clinic, cancelled=entry.cancelled),
                alarm=_("Tomorrow: {summary}").format(summary=summary),
            )
        )
    return _calendar(events, feed_name=feed_name)


def staff_entries_between(
    entries: Iterable[StaffEntry], *, first_day: date, days: int = STAFF_DAYS
) -> list[StaffEntry]:
    """The entries whose local start date falls in `days` days from `first_day`."""
    last_day = first_day + timedelta(days=days)
    return [entry for entry in entries if first_day <= entry.start.date() < last_day]


def build_staff_calendar(
    *,
    entries: Sequence[StaffEntry],
    clinic: CalendarSource,
    stamp: datetime,
    language: str,
    feed_name: str | None = None,
) -> bytes:
    """The staff's calendar file: initials and session codes only, without alarms.

    Pick the sessions with `staff_entries_between` (the next 30 days); cancelled ones stay in
    so that a calendar which imported an earlier file drops them. `feed_name` as for
    `build_calendar`.
    """
    t = translations(language)
    _ = t.gettext
    events = []
    for entry in _in_order(entries, feed=feed_name is not None):
        summary = f"{entry.initials} · {entry.session_code}"
        if entry.cancelled:
            summary = _("Cancelled: {summary}").format(summary=summary)
        description = _("Session {code}: the bot has its details.").format(code=entry.session_code)
        events.append(
            _event(
                entry,
                uid=staff_uid(entry.uid),
                stamp=stamp,
                clinic=clinic,
                summary=summary,
                description=description,
                alarm=None,  # thirty days of reminders would bury the ones that matter
            )
        )
    return _calendar(events, feed_name=feed_name)
