"""Staff changes to a request's sessions from its change view: move one session (day, then
time; the later ones follow the planner's rules) or change the number of sessions."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, time

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.callbacks import ButtonData
from mesobot.handlers.staff_access import show
from mesobot.handlers.staff_agenda import show_session_now
from mesobot.handlers.staff_press import (
    Press,
    show_edit_view,
    show_request_view,
    show_superseded,
)
from mesobot.models import Appointment, Course, CourseState
from mesobot.outbox.policies import Button, RenderedMessage
from mesobot.scheduling.series import Impossible
from mesobot.staff import buttons
from mesobot.staff.decisions import Superseded
from mesobot.staff.sessions import (
    MoveChoices,
    StaffChangeMade,
    Stale,
    change_session_count,
    move_choices,
    move_course_session,
)
from mesobot.staff_notices import awaits_staff
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk

MAX_DAY_BUTTONS = 12
MAX_TIME_BUTTONS = 40


async def on_count(press: Press, data: buttons.SetCount) -> None:
    """Change the number of sessions of a request, then show the change view again."""
    services = press.services
    async with services.database.write() as session:
        result = await change_session_count(
            session=session,
            services=services,
            course_id=data.course,
            seen_version=data.version,
            count=data.count,
            staff=press.staff,
            now=services.clock.now(),
        )
    if not await _answered_refusal(press, result):
        await press.query.answer()
        await show_edit_view(press, data.course)


async def _answered_refusal(press: Press, result: object) -> bool:
    """Answer a change someone else got to first, or one the planner refused; False if the
    change was made."""
    if isinstance(result, Superseded):
        await show_superseded(press, result)
    elif isinstance(result, Impossible):
        await press.query.answer(html.unescape(texts.move_refused(press.t, result.obstacle))[:200])
    else:
        return False
    return True


async def _moved_meanwhile(press: Press, appointment_id: int) -> None:
    """The session changed since the button was drawn: show it as it is now, in place."""
    await show_session_now(
        press.query, press.services, press.language, appointment_id, in_place=True
    )


async def _as_seen(
    press: Press, appointment_id: int, version: int
) -> tuple[Appointment, Course, MoveChoices | None] | None:
    """The session, its course and where the session can move, if it is still at the version
    the button was drawn for; otherwise None, the press answered (a session gone) or shown
    the session as it is now."""
    services = press.services
    async with services.database.read() as session:
        found = await _session_and_course(session, appointment_id)
        current = found is not None and found[0].version == version
        choices = (
            await move_choices(
                session=session, services=services, appointment=found[0], now=services.clock.now()
            )
            if found is not None and current
            else None
        )
    if found is None:
        await press.query.answer()
        return None
    if not current:
        await _moved_meanwhile(press, appointment_id)
        return None
    return found[0], found[1], choices


async def on_move_session(press: Press, data: buttons.MoveSession) -> None:
    """Show the days a session can move to (inside its window, from which the rest fits)."""
    found = await _as_seen(press, data.appointment, data.version)
    if found is None:
        return
    appointment, course, choices = found
    await press.query.answer()
    back = _back_button(press, course)
    if choices is None or not choices.days:
        await show(press.query, RenderedMessage(texts.no_free_days(press.t), ((back,),)))
        return
    rows = _day_rows(press, data, choices.days[:MAX_DAY_BUTTONS])
    text = texts.choose_day(press.t, position=appointment.number)
    await show(press.query, RenderedMessage(text, (*rows, (back,))))


async def _session_and_course(
    session: AsyncSession, appointment_id: int
) -> tuple[Appointment, Course] | None:
    """The session the button names and its course; None when either is gone."""
    appointment = await session.get(Appointment, appointment_id)
    course = await session.get(Course, appointment.course_id) if appointment else None
    return None if appointment is None or course is None else (appointment, course)


def _day_rows(
    press: Press, data: buttons.MoveSession, days: Sequence[date]
) -> list[tuple[Button, ...]]:
    """The days to move to, three a row."""
    codec = press.services.codec
    day_buttons = [
        Button(
            texts.day_label(day, press.language),
            codec.encode(buttons.MoveDay(data.appointment, data.version, day)),
        )
        for day in days
    ]
    return _rows_of(day_buttons, 3)


def _back_button(press: Press, course: Course) -> Button:
    data: ButtonData = (
        buttons.EditRequest(course.id or 0, course.version)
        if course.state == CourseState.REQUESTED
        else buttons.ViewRequest(course.id or 0, course.version)
    )
    return Button(desk.back_label(press.t), press.services.codec.encode(data))


async def on_move_day(press: Press, data: buttons.MoveDay) -> None:
    """Show the free times of the chosen day."""
    services = press.services
    found = await _as_seen(press, data.appointment, data.version)
    if found is None:
        return
    appointment, _course, choices = found
    await press.query.answer()
    times = choices.finder.times(data.day) if choices else ()
    rows = _time_rows(press, data, times[:MAX_TIME_BUTTONS])
    back = Button(
        desk.back_label(press.t),
        services.codec.encode(buttons.MoveSession(data.appointment, data.version)),
    )
    text = texts.choose_time(press.t, press.language, position=appointment.number, day=data.day)
    await show(press.query, RenderedMessage(text, (*rows, (back,))))


def _time_rows(
    press: Press, data: buttons.MoveDay, times: Sequence[time]
) -> list[tuple[Button, ...]]:
    """The free times of the day, five a row."""
    codec = press.services.codec
    time_buttons = [
        Button(
            texts.hhmm(at),
            codec.encode(
                buttons.MoveTo(data.appointment, data.version, data.day, at.strftime("%H%M"))
            ),
        )
        for at in times
    ]
    return _rows_of(time_buttons, 5)


def _rows_of(row_buttons: list[Button], per_row: int) -> list[tuple[Button, ...]]:
    """The buttons in order, `per_row` a row (the last row may be shorter)."""
    return [tuple(row_buttons[i : i + per_row]) for i in range(0, len(row_buttons), per_row)]


async def on_move_to(press: Press, data: buttons.MoveTo) -> None:
    """Move the session (the later ones follow the planner's rules), then show the request."""
    services = press.services
    try:
        at = time(int(data.at[:2]), int(data.at[2:]))
    except ValueError:
        await press.query.answer()
        return
    async with services.database.write() as session:
        result = await move_course_session(
            session=session,
            services=services,
            appointment_id=data.appointment,
            seen_version=data.version,
            new_date=data.day,
            new_time=at,
            staff=press.staff,
            now=services.clock.now(),
        )
    if await _answered_refusal(press, result):
        return
    if isinstance(result, Stale):
        await _moved_meanwhile(press, data.appointment)
    else:
        assert isinstance(result, StaffChangeMade)
        await press.query.answer()
        if awaits_staff(result.course, result.appointments):
            await show_edit_view(press, result.course.id or 0)
        else:
            await show_request_view(press, result.course.id or 0)
