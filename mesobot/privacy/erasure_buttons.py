"""Button data of erasure: the patient's /forget answer and staff's Erase in /patient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mesobot.callbacks import ButtonData, button


def created_stamp(created_at: datetime) -> int:
    """A patient row's creation in microseconds: with its id, it names that row only. SQLite
    gives a deleted patient's id to the next one, and the button must not erase them."""
    return int(created_at.timestamp() * 1_000_000)


@button("fg")
@dataclass(frozen=True)
class ForgetChoice(ButtonData):
    """The patient's answer to /forget. It names the patient row it was shown to, so that a
    stale Confirm pressed after they began again as a new patient erases nothing."""

    patient: int
    created: int  # `created_stamp` of the patient row
    erase: bool


@button("se")
@dataclass(frozen=True)
class StaffErase(ButtonData):
    """Staff's Erase under /patient (`confirm` False: the first press, which asks again)."""

    patient: int
    created: int  # `created_stamp` of the patient row
    confirm: bool
    cancel: bool = False
