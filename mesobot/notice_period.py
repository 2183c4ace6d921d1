"""The clinic's notice period for patients' changes (`cancellation_notice_hours`): inside it,
a confirmed session is changed by staff, on the patient's request (`mesobot.late_changes`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from mesobot.clinic import Clinic
from mesobot.models import Appointment, SessionState


def notice_hours(clinic: Clinic) -> int:
    """The clinic's notice period in hours (0: none)."""
    return clinic.clinic.cancellation_notice_hours or 0


def inside_notice(clinic: Clinic, appointment: Appointment, now: datetime) -> bool:
    """Whether a confirmed session starts too soon for the patient to change it themselves."""
    hours = notice_hours(clinic)
    return (
        hours > 0
        and appointment.state == SessionState.CONFIRMED
        and appointment.start_utc - now < timedelta(hours=hours)
    )
