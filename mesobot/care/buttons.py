"""Inline-button data of care (kind codes start with "c")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mesobot.callbacks import ButtonData, button


@button("cra")
@dataclass(frozen=True)
class ReminderAnswer(ButtonData):
    """A patient's answer to a reminder: attending, or needing to reschedule."""

    appointment_id: int
    attending: bool


@button("cci")
@dataclass(frozen=True)
class CheckInReply(ButtonData):
    """A patient's answer to a check-in: 0 all fine, 1 mild, 2 something unusual."""

    appointment_id: int
    day: int
    answer: int


@button("crs")
@dataclass(frozen=True)
class ReportSign(ButtonData):
    """A patient picks the sign they see; appointment 0: no session to attach it to."""

    appointment_id: int
    sign: str
    max_lengths: ClassVar[dict[str, int]] = {"sign": 16}


@button("cak")
@dataclass(frozen=True)
class ReportAck(ButtonData):
    """Staff acknowledge a report; `call`: and say they will call the patient."""

    report_id: int
    call: bool


@button("ccp")
@dataclass(frozen=True)
class ReportContact(ButtonData):
    """Staff ask how to contact the patient of a report."""

    report_id: int


@button("ccl")
@dataclass(frozen=True)
class ReportClose(ButtonData):
    """Staff close a report (a note is asked for next)."""

    report_id: int


@button("cad")
@dataclass(frozen=True)
class ReportAdditions(ButtonData):
    """Staff ask for everything the patient added to a report."""

    report_id: int


@button("cnp")
@dataclass(frozen=True)
class NotificationsChoice(ButtonData):
    """A patient pauses (True) or resumes (False) tips and check-ins."""

    pause: bool
