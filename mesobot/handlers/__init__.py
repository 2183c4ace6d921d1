"""Telegram handlers, one module per feature, registered in one ordered list."""

from __future__ import annotations

from mesobot.handlers import (
    booking,
    calendar,
    care,
    care_reports_patient,
    care_reports_staff,
    errors,
    outbox,
    patient_appointments,
    staff_access,
    staff_agenda,
    staff_closures,
    staff_patients,
    staff_requests,
    start,
)
from mesobot.services import MesobotApplication


def register_handlers(application: MesobotApplication) -> None:
    """Register every feature's handlers; earlier groups see an update first."""
    # Group -1, before everything: a patient's photo or reply to a report prompt, or a staff
    # member's closing note, handled here and kept from the booking flow (which would otherwise
    # take any private text as an answer to its current step).
    application.add_handlers(care_reports_patient.DETAIL_HANDLERS, group=-1)
    # Group 0: commands and buttons. The order inside a group matters only where two handlers
    # could match the same update; the comment by each entry says when that is.
    application.add_handlers(start.HANDLERS, group=0)
    # /calendar: one command for patients and staff (it checks is_staff itself).
    application.add_handlers(calendar.HANDLERS, group=0)
    # Staff commands and buttons (kinds "s..."): every one checks the user is staff. The typed
    # decline reason matches only staff's replies, so patients' texts pass on to later handlers.
    services = application.bot_data.services
    for staff_module in (staff_requests, staff_agenda, staff_closures, staff_patients):
        application.add_handlers(staff_module.handlers(services), group=0)
    # The booking flow's typed-answer handler takes any private text: features with commands
    # or text of their own go before it.
    application.add_handlers(patient_appointments.HANDLERS, group=0)
    application.add_handlers(booking.HANDLERS, group=0)
    # Care: reminder and check-in answers, /notifications, /report and staff's /reports. Their
    # buttons match only their own "c" kinds; their commands must come before the booking
    # flow's catch-all.
    application.add_handlers(care.HANDLERS, group=0)
    application.add_handlers(care_reports_patient.HANDLERS, group=0)
    application.add_handlers(care_reports_staff.HANDLERS, group=0)
    # Last in group 0: taps and commands no feature claimed (forged data, typos).
    application.add_handlers(booking.FALLBACK_HANDLERS, group=0)
    # Group 1: bookkeeping that must see its updates whatever group 0 did with them.
    application.add_handlers(outbox.HANDLERS, group=1)
    # A staff member's /start (answered in group 0 like anyone's) also brings their menu.
    application.add_handlers(staff_access.START_HOOK, group=1)
    application.add_error_handler(errors.on_error)
