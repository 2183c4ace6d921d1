"""Button data of erasure: the patient's /forget answer and staff's Erase in /patient."""

from __future__ import annotations

from dataclasses import dataclass

from mesobot.callbacks import ButtonData, button


@button("fg")
@dataclass(frozen=True)
class ForgetChoice(ButtonData):
    """The patient's answer to /forget. It names the patient row it was shown to, so that a
    stale Confirm pressed after they began again as a new patient erases nothing."""

    patient: int
    erase: bool


@button("se")
@dataclass(frozen=True)
class StaffErase(ButtonData):
    """Staff's Erase under /patient (`confirm` False: the first press, which asks again)."""

    patient: int
    confirm: bool
    cancel: bool = False
