"""The inline-button data of the booking flow and of /appointments (kind codes start with b)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from mesobot.callbacks import ButtonData, button

# The booking handler answers every callback whose kind code starts with "b".
PATTERN = r"^1b[a-z]{0,2}\."


@button("bg")
@dataclass(frozen=True)
class ConsentAnswer(ButtonData):
    """Agree (or not) to the storing of health-related answers."""

    agree: bool


@button("bw")
@dataclass(frozen=True)
class WithdrawConsent(ButtonData):
    """Withdraw the consent given (from /consent)."""


@button("bj")
@dataclass(frozen=True)
class AdultAnswer(ButtonData):
    """Confirm (or not) being 18 or older."""

    adult: bool


@button("bl")
@dataclass(frozen=True)
class TreatmentList(ButtonData):
    """Show the list of treatments."""


@button("bt")
@dataclass(frozen=True)
class TreatmentInfo(ButtonData):
    """Show one treatment's information."""

    treatment: str
    max_lengths: ClassVar[dict[str, int]] = {"treatment": 32}


@button("bb")
@dataclass(frozen=True)
class BookTreatment(ButtonData):
    """Start booking a treatment."""

    treatment: str
    max_lengths: ClassVar[dict[str, int]] = {"treatment": 32}


@button("ba")
@dataclass(frozen=True)
class AreaChoice(ButtonData):
    """The area to treat (fat reduction)."""

    area: str
    max_lengths: ClassVar[dict[str, int]] = {"area": 16}


@button("bn")
@dataclass(frozen=True)
class SessionCount(ButtonData):
    """How many sessions to book."""

    count: int


@button("bq")
@dataclass(frozen=True)
class QuestionAnswer(ButtonData):
    """An answer to one question of the questionnaire."""

    question: str
    answer: str
    max_lengths: ClassVar[dict[str, int]] = {"question": 24, "answer": 16}


@button("bs")
@dataclass(frozen=True)
class NothingToAdd(ButtonData):
    """Skip the questionnaire's free-text line."""


@button("bm")
@dataclass(frozen=True)
class UseTelegramName(ButtonData):
    """Use the Telegram first name as the name the clinic uses."""


@button("bc")
@dataclass(frozen=True)
class CalendarMonth(ButtonData):
    """Show the calendar of a month for the first session."""

    year: int
    month: int


@button("bd")
@dataclass(frozen=True)
class FirstDate(ButtonData):
    """The date of the first session."""

    day: date


@button("bh")
@dataclass(frozen=True)
class FirstTime(ButtonData):
    """The time of the first session, in minutes after midnight."""

    day: date
    minute: int


@button("bk")
@dataclass(frozen=True)
class ConfirmBooking(ButtonData):
    """Request the series shown (its first slot and its fingerprint)."""

    day: date
    minute: int
    plan: str
    max_lengths: ClassVar[dict[str, int]] = {"plan": 8}


@button("bz")
@dataclass(frozen=True)
class CancelFlow(ButtonData):
    """Leave the booking flow."""


@button("bx")
@dataclass(frozen=True)
class Unavailable(ButtonData):
    """A calendar cell that cannot be chosen."""


@button("bp")
@dataclass(frozen=True)
class ShowAppointments(ButtonData):
    """Show the patient's courses and sessions."""


@button("bf")
@dataclass(frozen=True)
class ChooseSecondSession(ButtonData):
    """The practitioner added a second session to `course`: open the calendar of its window."""

    course: int


@button("br")
@dataclass(frozen=True)
class RescheduleSession(ButtonData):
    """Start moving a session of the patient's: the month of its current date.

    (Staff move sessions with `mesobot.staff.buttons.MoveSession`.)
    """

    appointment: int


@button("brc")
@dataclass(frozen=True)
class MoveMonth(ButtonData):
    """The calendar of a month for moving a session."""

    appointment: int
    year: int
    month: int


@button("brd")
@dataclass(frozen=True)
class MoveDate(ButtonData):
    """The new date of a session."""

    appointment: int
    day: date


@button("brt")
@dataclass(frozen=True)
class MoveTime(ButtonData):
    """The new time of a session: shows the re-planned course."""

    appointment: int
    day: date
    minute: int


@button("brk")
@dataclass(frozen=True)
class ConfirmMove(ButtonData):
    """Confirm the re-planned course shown."""

    appointment: int
    day: date
    minute: int
    plan: str
    max_lengths: ClassVar[dict[str, int]] = {"plan": 8}


@button("bxa")
@dataclass(frozen=True)
class AskCancel(ButtonData):
    """Ask how to cancel a session: this one, or the rest of the course."""

    appointment: int


@button("bxo")
@dataclass(frozen=True)
class CancelOne(ButtonData):
    """Cancel one session (confirmed), at the version of the session the patient was asked
    about."""

    appointment: int
    version: int


@button("bxr")
@dataclass(frozen=True)
class CancelRest(ButtonData):
    """Cancel a session and every later one of its course (confirmed), at the version of the
    session the patient was asked about."""

    appointment: int
    version: int


@button("bxl")
@dataclass(frozen=True)
class AskLateChange(ButtonData):
    """Inside the notice period: ask staff to cancel ("c") or move ("m") the session."""

    appointment: int
    what: str
    max_lengths: ClassVar[dict[str, int]] = {"what": 1}


@button("bxk")
@dataclass(frozen=True)
class KeepSession(ButtonData):
    """Do not cancel after all."""

    appointment: int


# The waitlist (mesobot.waitlist): joining from the calendar or "Move me earlier", leaving,
# and answering an offer. `course` is the booked course to move earlier (0: a new booking).


@button("bvj")
@dataclass(frozen=True)
class JoinWaitlist(ButtonData):
    """Join the waitlist for the draft's treatment (or to move `course` earlier)."""

    course: int = 0


@button("bvs")
@dataclass(frozen=True)
class WaitlistStart(ButtonData):
    """The first day the patient could start."""

    day: date
    course: int = 0


@button("bvl")
@dataclass(frozen=True)
class WaitlistLength(ButtonData):
    """How many weeks from the first day."""

    day: date
    weeks: int
    course: int = 0


@button("bvw")
@dataclass(frozen=True)
class WaitlistWhen(ButtonData):
    """Which times suit: any, mornings or afternoons; maybe weekdays only. Joins."""

    day: date
    weeks: int
    part: str
    weekdays: bool
    course: int = 0
    max_lengths: ClassVar[dict[str, int]] = {"part": 9}


@button("bvx")
@dataclass(frozen=True)
class LeaveWaitlist(ButtonData):
    """Leave one waitlist entry."""

    entry: int


@button("bva")
@dataclass(frozen=True)
class AcceptOffer(ButtonData):
    """Accept a waitlist offer: request the course offered."""

    offer: int


@button("bvd")
@dataclass(frozen=True)
class DeclineOffer(ButtonData):
    """Decline a waitlist offer: it passes to the next patient."""

    offer: int
