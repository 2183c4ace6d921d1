"""Which step answers which button of the booking flow and of /appointments: one table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mesobot.callbacks import ButtonData
from mesobot.flow import (
    appointments,
    booking_steps,
    cancellations,
    consent_steps,
    late_steps,
    offer_steps,
    second_session,
    waitlist_steps,
)
from mesobot.flow import buttons as b
from mesobot.flow.machine import Flow, Outcome

ButtonStep = Callable[[Flow, Any], Awaitable[Outcome]]

BUTTON_STEPS: dict[type[ButtonData], ButtonStep] = {
    # The booking flow
    b.ConsentAnswer: consent_steps.on_consent,
    b.WithdrawConsent: consent_steps.on_withdraw,
    b.AdultAnswer: booking_steps.on_adult,
    b.TreatmentList: booking_steps.on_list,
    b.TreatmentInfo: booking_steps.on_info,
    b.BookTreatment: booking_steps.on_book,
    b.AreaChoice: booking_steps.on_area,
    b.SessionCount: booking_steps.on_count,
    b.QuestionAnswer: booking_steps.on_answer,
    b.NothingToAdd: booking_steps.on_nothing_to_add,
    b.UseTelegramName: booking_steps.on_use_name,
    b.CalendarMonth: booking_steps.on_month,
    b.FirstDate: booking_steps.on_date,
    b.FirstTime: booking_steps.on_time,
    b.ConfirmBooking: booking_steps.on_confirm,
    b.CancelFlow: booking_steps.on_cancel_button,
    b.Unavailable: booking_steps.on_unavailable,
    # /appointments
    b.ShowAppointments: appointments.on_show,
    b.RescheduleSession: appointments.on_reschedule,
    b.MoveMonth: appointments.on_move_month,
    b.MoveDate: appointments.on_move_date,
    b.MoveTime: appointments.on_move_time,
    b.ConfirmMove: appointments.on_confirm_move,
    b.AskCancel: cancellations.on_ask_cancel,
    b.CancelOne: cancellations.on_cancel_one,
    b.CancelRest: cancellations.on_cancel_rest,
    b.KeepSession: appointments.on_keep,
    # The six-week review's invitation
    b.ChooseSecondSession: second_session.on_choose_second,
    b.AskLateChange: late_steps.on_ask_late_change,
    # The waitlist
    b.JoinWaitlist: waitlist_steps.on_join,
    b.WaitlistStart: waitlist_steps.on_start,
    b.WaitlistLength: waitlist_steps.on_length,
    b.WaitlistWhen: waitlist_steps.on_when,
    b.LeaveWaitlist: waitlist_steps.on_leave,
    b.AcceptOffer: offer_steps.on_accept,
    b.DeclineOffer: offer_steps.on_decline,
}


def button_step(data: ButtonData | None) -> ButtonStep | None:
    """The step that answers `data`, or None for data this flow does not own."""
    return BUTTON_STEPS.get(type(data)) if data is not None else None
