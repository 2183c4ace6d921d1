"""A patient's courses and sessions, and moving a session, without Telegram (cancelling one:
`mesobot.flow.cancellations`).

Like the booking flow, a step reads and renders in the turn's read transaction
(`mesobot.flow.turn`); only the move or cancellation itself runs in a write, through
`Flow.write`, and the list shown after it is read afresh. A month's move calendar and a day's
move times come from one finder per month, computed once per turn.
"""

from __future__ import annotations

from datetime import date, time

from sqlmodel import col, select

from mesobot.flow import buttons as b
from mesobot.flow import late_steps, waitlist_steps
from mesobot.flow.calendar_rows import month_rows
from mesobot.flow.machine import Flow, Outcome
from mesobot.flow.steps import plan_digest
from mesobot.models import Appointment, Course, CourseState, SessionState
from mesobot.models.course import HOLDING_STATES
from mesobot.notice_period import inside_notice
from mesobot.patient_changes import (
    CourseSeries,
    PatientChangeMade,
    PlanMoved,
    Refusal,
    Refused,
    move_finder,
    patient_session,
    plan_move,
    reschedule_session,
)
from mesobot.scheduling.localtime import minute_of_day
from mesobot.scheduling.series import PlannedSeries
from mesobot.scheduling.slots import FreeSlotFinder
from mesobot.screens import Row, Screen
from mesobot.session_moves import series_rule_of
from mesobot.staff.presence import no_staff_phone
from mesobot.texts import appointments as texts
from mesobot.texts import booking as booking_texts
from mesobot.texts import escape
from mesobot.texts import policy as policy_texts
from mesobot.texts import waitlist as waitlist_texts
from mesobot.texts.dates import clock_label, day_label, month_label


async def course_screens(flow: Flow, lead: str | None = None) -> list[Screen]:
    """One message per open course: its sessions, and buttons for the upcoming ones."""
    open_states = (CourseState.REQUESTED, CourseState.CONFIRMED)
    query = select(Course).where(
        Course.patient_id == flow.patient.id, col(Course.state).in_(open_states)
    )
    courses = list(await flow.session.exec(query.order_by(col(Course.id))))
    sessions: dict[int | None, list[Appointment]] = {course.id: [] for course in courses}
    if courses:
        # Every course's sessions in one query, not one query per course.
        shown = select(Appointment).where(
            col(Appointment.course_id).in_(list(sessions)),
            Appointment.state != SessionState.CANCELLED,
        )
        for appointment in await flow.session.exec(shown.order_by(col(Appointment.number))):
            sessions[appointment.course_id].append(appointment)
    screens = [course_screen(flow, course, sessions[course.id]) for course in courses]
    screens += await waitlist_steps.entry_screens(flow)
    screens = screens or [Screen(texts.no_appointments(flow.t))]
    return [screens[0].led_by(lead), *screens[1:]]


def course_screen(flow: Flow, course: Course, appointments: list[Appointment]) -> Screen:
    """A course's sessions with their states; Move and Cancel for upcoming ones."""
    t, language = flow.t, flow.language
    treatment = flow.services.clinic.treatments.get(course.treatment)
    name = treatment.name.in_language(language) if treatment else course.treatment
    lines = [texts.course_heading(t, treatment=name, area=course.area, state=course.state)]
    rows: list[Row] = []
    for number, a in enumerate(appointments, start=1):
        lines.append(
            texts.session_line(t, number, a.local_date, a.local_time, a.state, language)
            + policy_texts.request_beside(t, a.patient_answer)
        )
        if a.state in HOLDING_STATES and a.start_utc > flow.now and a.id is not None:
            rows.append(
                [
                    (texts.move_label(t, number), b.RescheduleSession(a.id)),
                    (texts.cancel_label(t, number), b.AskCancel(a.id)),
                ]
            )
    if rows and course.id is not None:  # upcoming sessions: they may be moved earlier
        rows.append([(waitlist_texts.move_earlier_label(t), b.JoinWaitlist(course.id))])
    return Screen("\n".join(lines), flow.keyboard(rows) if rows else None)


async def changeable(flow: Flow, appointment_id: int) -> CourseSeries | None:
    """The course of a session this patient may still change."""
    assert flow.patient.id is not None
    return await patient_session(
        session=flow.session,
        patient_id=flow.patient.id,
        appointment_id=appointment_id,
        now=flow.now,
    )


async def gone(flow: Flow) -> Outcome:
    """A button about a session that can no longer be changed: notice and the list."""
    notice = texts.session_gone(flow.t)
    return Outcome(await course_screens(flow, notice), notice=notice)


def keep_row(flow: Flow, appointment_id: int) -> Row:
    """Keep it: leave the session as it is."""
    return [(booking_texts.label(flow.t, "keep"), b.KeepSession(appointment_id))]


async def on_show(flow: Flow, _data: b.ShowAppointments) -> Outcome:
    """Show the patient's courses."""
    return Outcome(await course_screens(flow))


# Moving a session


async def move_calendar(
    flow: Flow,
    found: CourseSeries,
    appointment_id: int,
    year: int,
    month: int,
    lead: str | None = None,
) -> list[Screen]:
    """The month's dates a session can move to with the rest of the course still fitting."""
    year, month = flow.clamp_month(year, month)
    finder = await _move_finder(flow, found, appointment_id, year, month)
    free = finder.dates(year, month)
    heading = texts.move_calendar_heading(
        flow.t,
        number=found.position(appointment_id),
        month=month_label(year, month, flow.language),
        any_free=bool(free),
    )
    rows = month_rows(flow, year, month, free, b.MoveDate, b.MoveMonth, appointment_id)
    rows.append(keep_row(flow, appointment_id))
    return [Screen(heading, flow.keyboard(rows)).led_by(lead)]


async def on_reschedule(flow: Flow, data: b.RescheduleSession) -> Outcome:
    """Start moving a session: the calendar at its current month."""
    found = await changeable(flow, data.appointment)
    if found is None:
        return await gone(flow)
    if inside_notice(
        flow.services.clinic, found.sessions[found.position(data.appointment) - 1], flow.now
    ):
        return late_steps.policy_screen(flow, found, data.appointment, cancel=False)
    current = found.sessions[found.position(data.appointment) - 1].local_date
    return Outcome(await move_calendar(flow, found, data.appointment, current.year, current.month))


async def on_move_month(flow: Flow, data: b.MoveMonth) -> Outcome:
    """Another month of the move calendar."""
    found = await changeable(flow, data.appointment)
    if found is None or not 1 <= data.month <= 12:
        return await gone(flow)
    return Outcome(await move_calendar(flow, found, data.appointment, data.year, data.month))


async def on_move_date(flow: Flow, data: b.MoveDate) -> Outcome:
    """The free times of the new date, or the calendar again if it filled up."""
    found = await changeable(flow, data.appointment)
    if found is None:
        return await gone(flow)
    times = await move_times(flow, found, data.appointment, data.day)
    if not times:
        return await move_taken(flow, found, data.appointment, data.day)
    buttons: Row = [
        (clock_label(w), b.MoveTime(data.appointment, data.day, minute_of_day(w))) for w in times
    ]
    rows: list[Row] = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append(keep_row(flow, data.appointment))
    day = escape(day_label(data.day, flow.language))
    return Outcome([Screen(booking_texts.times_heading(flow.t, day=day), flow.keyboard(rows))])


async def _move_finder(
    flow: Flow, found: CourseSeries, appointment_id: int, year: int, month: int
) -> FreeSlotFinder:
    """Where a session can move to in a month: its calendar and its days' times alike, so
    that a date's times and the calendar shown after them read the bookings once."""
    calendar = await flow.calendar()
    return await flow.computed(
        ("move", appointment_id, year, month),
        lambda: move_finder(
            session=flow.session,
            calendar=calendar,
            rule=series_rule_of(flow.services.clinic, found.course),
            found=found,
            appointment_id=appointment_id,
            now=flow.now,
            around=date(year, month, 1),
        ),
    )


async def move_times(
    flow: Flow, found: CourseSeries, appointment_id: int, day: date
) -> tuple[time, ...]:
    """The times a session can move to on `day`."""
    finder = await _move_finder(flow, found, appointment_id, day.year, day.month)
    return finder.times(day)


async def move_taken(flow: Flow, found: CourseSeries, appointment_id: int, day: date) -> Outcome:
    """A new date that is no longer possible: notice and the calendar again."""
    notice = booking_texts.date_taken(flow.t)
    screens = await move_calendar(flow, found, appointment_id, day.year, day.month, notice)
    return Outcome(screens, notice=notice)


async def on_move_time(flow: Flow, data: b.MoveTime) -> Outcome:
    """The course re-planned after the move, to be confirmed by the patient."""
    found = await changeable(flow, data.appointment)
    if found is None:
        return await gone(flow)
    plan = await plan_move(
        session=flow.session,
        calendar=await flow.calendar(),
        rule=series_rule_of(flow.services.clinic, found.course),
        found=found,
        appointment_id=data.appointment,
        new_date=data.day,
        new_time=time(data.minute // 60, data.minute % 60),
        now=flow.now,
    )
    if not isinstance(plan, PlannedSeries):
        return await move_taken(flow, found, data.appointment, data.day)
    return Outcome([move_preview(flow, found, data, plan)])


def move_preview(flow: Flow, found: CourseSeries, data: b.MoveTime, plan: PlannedSeries) -> Screen:
    """The re-planned course with Confirm / Other date / Keep."""
    t = flow.t
    back = not flow.services.clinic.clinic.patient_changes_confirmed_at_once
    text = texts.move_preview(
        t,
        number=found.position(data.appointment),
        slots=[(s.local_date, s.local_time) for s in plan.sessions],
        zone=flow.services.clinic.clinic.timezone,
        language=flow.language,
        back_to_staff=back,
        no_staff_phone=no_staff_phone(flow.services),
    )
    confirm = b.ConfirmMove(data.appointment, data.day, data.minute, plan_digest(plan))
    other_date = (
        booking_texts.label(t, "other_date"),
        b.MoveMonth(data.appointment, data.day.year, data.day.month),
    )
    return Screen(
        text,
        flow.keyboard(
            [
                [(booking_texts.label(t, "confirm"), confirm)],
                [other_date, *keep_row(flow, data.appointment)],
            ]
        ),
    )


async def rescheduled(flow: Flow, data: b.ConfirmMove) -> PatientChangeMade | Refused | PlanMoved:
    """The move itself (patient_changes), in a write transaction of the turn."""
    assert flow.patient.id is not None
    patient_id = flow.patient.id
    return await flow.write(
        lambda session: reschedule_session(
            session=session,
            services=flow.services,
            patient_id=patient_id,
            appointment_id=data.appointment,
            new_date=data.day,
            new_time=time(data.minute // 60, data.minute % 60),
            shown_digest=data.plan,
            now=flow.now,
        )
    )


async def on_confirm_move(flow: Flow, data: b.ConfirmMove) -> Outcome:
    """Move the session and re-plan the later ones, if the plan is still the one shown."""
    result = await rescheduled(flow, data)
    if isinstance(result, PatientChangeMade):
        moved = next((a for a in result.appointments if a.id == data.appointment), None)
        awaiting = moved is not None and moved.state == SessionState.REQUESTED
        done = texts.moved(flow.t, no_staff_phone(flow.services), awaiting=awaiting)
        return Outcome(await course_screens(flow, done))
    if isinstance(result, Refused):
        if result.reason is Refusal.SAME:
            return await on_keep(flow, b.KeepSession(data.appointment))
        if result.reason is Refusal.NOTICE:  # the notice period began since it was shown
            return await on_reschedule(flow, b.RescheduleSession(data.appointment))
        return await gone(flow)
    return await move_plan_changed(flow, data, result)


async def move_plan_changed(flow: Flow, data: b.ConfirmMove, result: PlanMoved) -> Outcome:
    """The plan changed under the patient: the fresh one, or the calendar again."""
    found = await changeable(flow, data.appointment)
    if found is None:
        return await gone(flow)
    if not isinstance(result.fresh, PlannedSeries):
        return await move_taken(flow, found, data.appointment, data.day)
    notice = booking_texts.plan_changed(flow.t)
    moved = b.MoveTime(data.appointment, data.day, data.minute)
    screen = move_preview(flow, found, moved, result.fresh)
    return Outcome([screen.led_by(notice)], notice=notice)


async def on_keep(flow: Flow, _data: b.KeepSession) -> Outcome:
    """Leave the session as it is."""
    return Outcome(await course_screens(flow, texts.kept(flow.t)), notice=texts.kept(flow.t))
