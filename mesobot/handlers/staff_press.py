"""One staff press on a request's buttons, and the views it leads back to: the request with its
decisions, its change view, or "someone got there first". Shared by decisions and moves."""

from __future__ import annotations

import html

from telegram import CallbackQuery

from mesobot.handlers.staff_access import clinic_time, show
from mesobot.i18n import translations
from mesobot.models import Course, CourseState
from mesobot.services import Services
from mesobot.staff.audit import StaffActor, last_course_action
from mesobot.staff.decisions import Superseded
from mesobot.staff.models import AuditEntry
from mesobot.staff_notices import edit_view, request_view
from mesobot.texts import staff as texts


class Press:
    """One staff press being handled: who, what, where, in which language."""

    def __init__(
        self, services: Services, staff: StaffActor, query: CallbackQuery, language: str
    ) -> None:
        self.services, self.staff, self.query = services, staff, query
        self.language = language
        self.t = translations(self.language)


async def show_request_view(press: Press, course_id: int, footer: str | None = None) -> None:
    """Replace the pressed message with the request and its decisions (and `footer`)."""
    services = press.services
    async with services.database.read() as session:
        view = await request_view(
            session, services.clinic, services.codec, course_id, press.language, footer=footer
        )
    if view is not None:
        await show(press.query, view)


async def show_edit_view(press: Press, course_id: int) -> None:
    """Replace the pressed message with the request's change view (moves, count)."""
    services = press.services
    async with services.database.read() as session:
        view = await edit_view(session, services.clinic, services.codec, course_id, press.language)
    if view is not None:
        await show(press.query, view)


async def _last_action(press: Press, course_id: int) -> AuditEntry | None:
    async with press.services.database.read() as session:
        return await last_course_action(session=session, course_id=course_id)


async def show_outdated(press: Press, course: Course | None, course_id: int) -> None:
    """The pressed button was drawn for an earlier version of the course (or a gone one)."""
    await show_superseded(press, Superseded(course, await _last_action(press, course_id)))


async def show_superseded(press: Press, lost: Superseded) -> None:
    """Tell a staff member someone got there first, and show the request as it is now."""
    course, last = lost.course, lost.last
    if course is None:
        await press.query.answer()
        return
    when = clinic_time(press.services, last.at) if last else None
    if course.state == CourseState.REQUESTED and last is not None and when is not None:
        note = texts.changed_meanwhile(press.t, staff_name=last.staff_name, at=when)
    else:
        name = last.staff_name if last else None
        note = texts.already_decided(press.t, state=course.state, staff_name=name, at=when)
    await press.query.answer(html.unescape(note), show_alert=True)
    await show_request_view(press, course.id or 0, footer=note)
