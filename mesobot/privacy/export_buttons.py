"""Button data of the export: staff's Export in /patient."""

from __future__ import annotations

from dataclasses import dataclass

from mesobot.callbacks import ButtonData, button


@button("sxp")
@dataclass(frozen=True)
class StaffExport(ButtonData):
    """Staff's Export under /patient: the patient's whole export, to the presser privately."""

    patient: int
    created: int  # `erasure_buttons.created_stamp` of the patient row: that row only
