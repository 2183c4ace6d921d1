"""The staff side's inline-button data (kind codes start with "s"). Every handler of these
checks that the presser is staff: a forwarded staff message gives a patient nothing that works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from mesobot.callbacks import ButtonData, button


@button("sc")
@dataclass(frozen=True)
class ConfirmAll(ButtonData):
    """Confirm a requested course as it stands, at the version the staff member saw."""

    course: int
    version: int


@button("sx")
@dataclass(frozen=True)
class EditRequest(ButtonData):
    """Open the change view of a request."""

    course: int
    version: int


@button("sv")
@dataclass(frozen=True)
class ViewRequest(ButtonData):
    """Show the request with its three decisions again."""

    course: int
    version: int


@button("sd")
@dataclass(frozen=True)
class DeclineRequest(ButtonData):
    """Ask for a reason to decline."""

    course: int
    version: int


@button("sr")
@dataclass(frozen=True)
class DeclineWith(ButtonData):
    """Decline with a preset reason, or ("typed") ask for one through a ForceReply."""

    course: int
    version: int
    reason: str
    max_lengths: ClassVar[dict[str, int]] = {"reason": 10}


@button("sn")
@dataclass(frozen=True)
class SetCount(ButtonData):
    """Change the number of sessions of a request before confirming it."""

    course: int
    version: int
    count: int


@button("sm")
@dataclass(frozen=True)
class MoveSession(ButtonData):
    """Start moving one session: show the days it can go to.

    `version`, here and in MoveDay and MoveTo, is the session's (`Appointment.version`).
    """

    appointment: int
    version: int


@button("sy")
@dataclass(frozen=True)
class MoveDay(ButtonData):
    """A day chosen for a session: show its free times."""

    appointment: int
    version: int
    day: date


@button("st")
@dataclass(frozen=True)
class MoveTo(ButtonData):
    """Move a session to a day and wall time ("HHMM")."""

    appointment: int
    version: int
    day: date
    at: str
    max_lengths: ClassVar[dict[str, int]] = {"at": 4}


@button("ss")
@dataclass(frozen=True)
class SessionAction(ButtonData):
    """From /agenda or /session: d done, n no-show, c cancel (asks), k cancel (confirmed),
    at the version of the session the staff member saw."""

    appointment: int
    version: int
    action: str
    max_lengths: ClassVar[dict[str, int]] = {"action": 1}


@button("sa")
@dataclass(frozen=True)
class UnversionedSessionAction(ButtonData):
    """A SessionAction drawn before sessions had versions: it acts on nothing, and shows the
    session as it is now."""

    appointment: int
    action: str
    max_lengths: ClassVar[dict[str, int]] = {"action": 1}


@button("sw")
@dataclass(frozen=True)
class ReviewDecision(ButtonData):
    """The six-week review: add the second session (or not), at the course's version seen."""

    course: int
    version: int
    add: bool


@button("sq")
@dataclass(frozen=True)
class RemoveWaitlistEntry(ButtonData):
    """Remove a patient's waitlist entry (staff's /waitlist)."""

    entry: int


STAFF_BUTTONS = (
    ConfirmAll,
    EditRequest,
    ViewRequest,
    DeclineRequest,
    DeclineWith,
    SetCount,
    MoveSession,
    MoveDay,
    MoveTo,
    SessionAction,
    UnversionedSessionAction,
    ReviewDecision,
    RemoveWaitlistEntry,
)
