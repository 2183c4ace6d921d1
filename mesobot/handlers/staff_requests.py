"""Staff decisions on requests: Confirm all, Confirm with changes, Decline (with a reason),
the ForceReply for a typed reason, and /pending."""

from __future__ import annotations

import html
import logging
from datetime import time
from typing import Any

from sqlmodel import select
from telegram import CallbackQuery, ForceReply, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from mesobot.callbacks import ButtonData
from mesobot.handlers.staff_access import (
    clinic_time,
    language_of,
    markup,
    reply_long,
    show,
    staff_command,
    staff_press,
)
from mesobot.i18n import translations
from mesobot.models import Appointment, Course, CourseState
from mesobot.outbox.policies import Button, RenderedMessage
from mesobot.scheduling.series import Impossible
from mesobot.services import MesobotContext, Services
from mesobot.staff import buttons
from mesobot.staff.audit import StaffActor, last_course_action
from mesobot.staff.decisions import (
    Superseded,
    confirm_course,
    decline_course,
    pending_requests,
)
from mesobot.staff.models import AuditEntry, StaffPrompt
from mesobot.staff.patient_notices import PRESET
from mesobot.staff.sessions import (
    StaffChangeMade,
    Stale,
    change_session_count,
    move_choices,
    move_course_session,
)
from mesobot.staff_notices import edit_view, request_view, treatment_label
from mesobot.texts import staff as texts

logger = logging.getLogger(__name__)

# Staff buttons about requests and moves; SessionAction ("sa") lives in staff_agenda.
REQUEST_PATTERN = r"^1s[cxvdrnmyt]\."
MAX_DAY_BUTTONS = 12
TYPED = "typed"


class Press:
    """One staff press being handled: who, what, where, in which language."""

    def __init__(
        self, update: Update, services: Services, staff: StaffActor, query: CallbackQuery
    ) -> None:
        self.services, self.staff, self.query = services, staff, query
        self.language = language_of(update)
        self.t = translations(self.language)


async def _view(press: Press, course_id: int, footer: str | None = None) -> None:
    services = press.services
    async with services.database.sessions() as session:
        view = await request_view(
            session, services.clinic, services.codec, course_id, press.language, footer=footer
        )
    if view is not None:
        await show(press.query, view)


async def _edit(press: Press, course_id: int) -> None:
    services = press.services
    async with services.database.sessions() as session:
        view = await edit_view(session, services.clinic, services.codec, course_id, press.language)
    if view is not None:
        await show(press.query, view)


async def _lost(press: Press, lost: Superseded) -> None:
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
    await _view(press, course.id or 0, footer=note)


async def _decided(press: Press, course_id: int, state: str) -> None:
    at = clinic_time(press.services, press.services.clock.now())
    footer = texts.decision_footer(press.t, state=state, staff_name=press.staff.name, at=at)
    await press.query.answer()
    await _view(press, course_id, footer=footer)


async def on_confirm(press: Press, data: buttons.ConfirmAll) -> None:
    """Confirm all: sessions and course confirmed, the patient told at once."""
    services = press.services
    async with services.database.transaction() as session:
        result = await confirm_course(
            session=session,
            services=services,
            course_id=data.course,
            seen_version=data.version,
            staff=press.staff,
            now=services.clock.now(),
        )
    if isinstance(result, Superseded):
        await _lost(press, result)
    else:
        await _decided(press, data.course, CourseState.CONFIRMED)


async def on_edit(press: Press, data: buttons.EditRequest | buttons.ViewRequest) -> None:
    """Open the change view (or go back to the decisions) if nobody decided meanwhile."""
    async with press.services.database.sessions() as session:
        course = await session.get(Course, data.course)
    if course is None or course.version != data.version:
        await _lost(press, Superseded(course, await _last(press, data.course)))
        return
    await press.query.answer()
    if isinstance(data, buttons.EditRequest):
        await _edit(press, data.course)
    else:
        await _view(press, data.course)


async def _last(press: Press, course_id: int) -> AuditEntry | None:
    async with press.services.database.sessions() as session:
        return await last_course_action(session=session, course_id=course_id)


def _reason_buttons(press: Press, data: buttons.DeclineRequest) -> RenderedMessage:
    codec, _ = press.services.codec, press.t.gettext
    rows = [
        (Button(_(label), codec.encode(buttons.DeclineWith(data.course, data.version, code))),)
        for code, label, _text in texts.DECLINE_REASONS
    ]
    typed = buttons.DeclineWith(data.course, data.version, TYPED)
    rows.append((Button(_("✍️ Type a reason"), codec.encode(typed)),))
    rows.append(
        (Button(_("↩️ Back"), codec.encode(buttons.ViewRequest(data.course, data.version))),)
    )
    return RenderedMessage(texts.ask_decline_reason(press.t, data.course), tuple(rows))


async def on_decline(press: Press, data: buttons.DeclineRequest) -> None:
    """Decline: ask for a reason from the short list, or typed."""
    async with press.services.database.sessions() as session:
        course = await session.get(Course, data.course)
    if course is None or course.version != data.version:
        await _lost(press, Superseded(course, await _last(press, data.course)))
        return
    await press.query.answer()
    await show(press.query, _reason_buttons(press, data))


async def decline_with_reason(
    press_services: Services, staff: StaffActor, course_id: int, version: int, reason: str
) -> Superseded | None:
    """Store the decline; None when it went through."""
    async with press_services.database.transaction() as session:
        result = await decline_course(
            session=session,
            services=press_services,
            course_id=course_id,
            seen_version=version,
            reason=reason,
            staff=staff,
            now=press_services.clock.now(),
        )
    return result if isinstance(result, Superseded) else None


async def on_decline_with(press: Press, data: buttons.DeclineWith) -> None:
    """A preset reason declines at once; "typed" asks for the reason through a ForceReply."""
    if data.reason != TYPED:
        if data.reason not in texts.PRESET_LABELS:
            await press.query.answer()
            return
        lost = await decline_with_reason(
            press.services, press.staff, data.course, data.version, PRESET + data.reason
        )
        await (_lost(press, lost) if lost else _decided(press, data.course, "declined"))
        return
    await press.query.answer()
    message = press.query.message
    if message is None:
        return
    prompt = await press.query.get_bot().send_message(
        message.chat.id,
        texts.type_decline_reason(press.t, data.course),
        reply_markup=ForceReply(selective=True),
    )
    services = press.services
    async with services.database.transaction() as session:
        session.add(
            StaffPrompt(
                chat_id=prompt.chat.id,
                message_id=prompt.message_id,
                staff_id=press.staff.telegram_id,
                action="decline",
                course_id=data.course,
                seen_version=data.version,
                created_at=services.clock.now(),
            )
        )


async def on_typed_reason(update: Update, context: MesobotContext) -> None:
    """A staff member's reply to a decline prompt: decline with the text as typed."""
    message = update.effective_message
    staff = await staff_command(update, context)
    if message is None or staff is None or message.reply_to_message is None:
        return
    services = context.bot_data.services
    t = translations(language_of(update))
    async with services.database.transaction() as session:
        prompt = (
            await session.exec(
                select(StaffPrompt).where(
                    StaffPrompt.chat_id == message.chat.id,
                    StaffPrompt.message_id == message.reply_to_message.message_id,
                )
            )
        ).first()
        if prompt is not None:
            await session.delete(prompt)
    if prompt is None:
        return
    reason = " ".join((message.text or "").split())[:500]
    lost = await decline_with_reason(
        services, staff, prompt.course_id, prompt.seen_version, reason
    )
    if lost is not None and lost.course is not None:
        last = lost.last
        when = clinic_time(services, last.at) if last else None
        await message.reply_text(
            texts.already_decided(
                t, state=lost.course.state, staff_name=last.staff_name if last else None, at=when
            )
        )
        return
    at = clinic_time(services, services.clock.now())
    await message.reply_text(
        texts.decision_footer(t, state="declined", staff_name=staff.name, at=at)
    )


async def on_count(press: Press, data: buttons.SetCount) -> None:
    """Change the number of sessions of a request, then show the change view again."""
    services = press.services
    async with services.database.transaction() as session:
        result = await change_session_count(
            session=session,
            services=services,
            course_id=data.course,
            seen_version=data.version,
            count=data.count,
            staff=press.staff,
            now=services.clock.now(),
        )
    if isinstance(result, Superseded):
        await _lost(press, result)
    elif isinstance(result, Impossible):
        await press.query.answer(html.unescape(texts.move_refused(press.t, result.detail))[:200])
    else:
        await press.query.answer()
        await _edit(press, data.course)


async def on_move_session(press: Press, data: buttons.MoveSession) -> None:
    """Show the days a session can move to (inside its window, from which the rest fits)."""
    services = press.services
    async with services.database.sessions() as session:
        appointment = await session.get(Appointment, data.session)
        course = await session.get(Course, appointment.course_id) if appointment else None
        if appointment is None or course is None:
            await press.query.answer()
            return
        if course.version != data.version:
            await _lost(press, Superseded(course, await _last(press, course.id or 0)))
            return
        choices = await move_choices(
            session=session, services=services, appointment=appointment, now=services.clock.now()
        )
    await press.query.answer()
    back = _back_button(press, course)
    if choices is None or not choices.days:
        await show(press.query, RenderedMessage(texts.no_free_days(press.t), ((back,),)))
        return
    codec = services.codec
    day_buttons = [
        Button(
            texts.day_label(press.language, day),
            codec.encode(buttons.MoveDay(data.session, data.version, day)),
        )
        for day in choices.days[:MAX_DAY_BUTTONS]
    ]
    rows = [tuple(day_buttons[i : i + 3]) for i in range(0, len(day_buttons), 3)]
    position = appointment.number
    await show(
        press.query,
        RenderedMessage(texts.choose_day(press.t, position=position), (*rows, (back,))),
    )


def _back_button(press: Press, course: Course) -> Button:
    data: ButtonData = (
        buttons.EditRequest(course.id or 0, course.version)
        if course.state == CourseState.REQUESTED
        else buttons.ViewRequest(course.id or 0, course.version)
    )
    return Button(press.t.gettext("↩️ Back"), press.services.codec.encode(data))


async def on_move_day(press: Press, data: buttons.MoveDay) -> None:
    """Show the free times of the chosen day."""
    services = press.services
    async with services.database.sessions() as session:
        appointment = await session.get(Appointment, data.session)
        course = await session.get(Course, appointment.course_id) if appointment else None
        if appointment is None or course is None:
            await press.query.answer()
            return
        choices = await move_choices(
            session=session, services=services, appointment=appointment, now=services.clock.now()
        )
    await press.query.answer()
    times = choices.finder.times(data.day) if choices else ()
    codec = services.codec
    time_buttons = [
        Button(
            texts.hhmm(at),
            codec.encode(
                buttons.MoveTo(data.session, data.version, data.day, at.strftime("%H%M"))
            ),
        )
        for at in times[:40]
    ]
    rows = [tuple(time_buttons[i : i + 5]) for i in range(0, len(time_buttons), 5)]
    back = Button(
        press.t.gettext("↩️ Back"),
        codec.encode(buttons.MoveSession(data.session, data.version)),
    )
    text = texts.choose_time(press.t, press.language, position=appointment.number, day=data.day)
    await show(press.query, RenderedMessage(text, (*rows, (back,))))


async def on_move_to(press: Press, data: buttons.MoveTo) -> None:
    """Move the session (the later ones follow the planner's rules), then show the request."""
    services = press.services
    try:
        at = time(int(data.at[:2]), int(data.at[2:]))
    except ValueError:
        await press.query.answer()
        return
    async with services.database.transaction() as session:
        result = await move_course_session(
            session=session,
            services=services,
            appointment_id=data.session,
            seen_version=data.version,
            new_date=data.day,
            new_time=at,
            staff=press.staff,
            now=services.clock.now(),
        )
    if isinstance(result, Superseded):
        await _lost(press, result)
    elif isinstance(result, Impossible):
        await press.query.answer(html.unescape(texts.move_refused(press.t, result.detail))[:200])
    elif isinstance(result, Stale):
        await press.query.answer(texts.stale_session(press.t))
    else:
        assert isinstance(result, StaffChangeMade)
        await press.query.answer()
        if result.course.state == CourseState.REQUESTED:
            await _edit(press, result.course.id or 0)
        else:
            await _view(press, result.course.id or 0)


ROUTES: dict[type[ButtonData], Any] = {
    buttons.ConfirmAll: on_confirm,
    buttons.EditRequest: on_edit,
    buttons.ViewRequest: on_edit,
    buttons.DeclineRequest: on_decline,
    buttons.DeclineWith: on_decline_with,
    buttons.SetCount: on_count,
    buttons.MoveSession: on_move_session,
    buttons.MoveDay: on_move_day,
    buttons.MoveTo: on_move_to,
}


async def on_request_button(update: Update, context: MesobotContext) -> None:
    """Route a staff button about a request to its handler, after the staff check."""
    pressed = await staff_press(update, context)
    if pressed is None:
        return
    staff, data, query = pressed
    route = ROUTES.get(type(data))
    if route is None:
        await query.answer()
        return
    await route(Press(update, context.bot_data.services, staff, query), data)


async def show_pending(update: Update, context: MesobotContext) -> None:
    """/pending: requests awaiting a decision, oldest first, each with its decisions."""
    if await staff_command(update, context) is None or update.effective_message is None:
        return
    services, language = context.bot_data.services, language_of(update)
    t = translations(language)
    async with services.database.sessions() as session:
        courses = await pending_requests(session=session)
        views = [
            await request_view(session, services.clinic, services.codec, c.id or 0, language)
            for c in courses
        ]
    if not courses:
        await update.effective_message.reply_text(t.gettext("No requests are waiting."))
        return
    await reply_long(update, [t.gettext("<b>{n} requests waiting</b>").format(n=len(courses))])
    for view in views:
        if view is not None:
            await update.effective_message.reply_text(view.text, reply_markup=markup(view))


def handlers(services: Services) -> list[BaseHandler[Any, MesobotContext, Any]]:
    """The handlers of this module; the reply filter needs the staff ids."""
    staff_ids = list(services.settings.mesobot_staff_ids)
    typed_reply = filters.REPLY & filters.TEXT & ~filters.COMMAND & filters.User(staff_ids)
    return [
        CommandHandler("pending", show_pending),
        CallbackQueryHandler(on_request_button, pattern=REQUEST_PATTERN),
        # Only staff's replies: a patient's reply to the bot goes on to the booking flow.
        MessageHandler(typed_reply, on_typed_reply_guard),
    ]


async def on_typed_reply_guard(update: Update, context: MesobotContext) -> None:
    """A staff member replied to a bot message: a typed decline reason, if it was a prompt."""
    await on_typed_reason(update, context)


__all__ = ["handlers", "treatment_label"]
