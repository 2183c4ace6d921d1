"""Staff decisions on requests: Confirm all, Confirm with changes, Decline (with a reason),
the ForceReply for a typed reason, and /pending."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from telegram import ForceReply, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from mesobot.callbacks import ButtonData
from mesobot.handlers import staff_moves
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature, Handler
from mesobot.handlers.queued_calls import queued_message_ids
from mesobot.handlers.staff_access import (
    clinic_time,
    language_of,
    markup,
    note_views,
    reply_long,
    show,
    staff_command,
    staff_press,
)
from mesobot.handlers.staff_press import (
    Press,
    show_edit_view,
    show_outdated,
    show_request_view,
    show_superseded,
)
from mesobot.i18n import translations
from mesobot.models import Course, CourseState
from mesobot.outbox.policies import Button, RenderedMessage
from mesobot.services import Services
from mesobot.staff import buttons
from mesobot.staff.audit import VIEW_REQUEST, StaffActor
from mesobot.staff.decisions import Superseded, confirm_course, decline_course, pending_requests
from mesobot.staff.models import StaffPrompt
from mesobot.staff.patient_notices import PRESET
from mesobot.staff_notices import request_view
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk

# Staff buttons about requests and moves; SessionAction ("sa") lives in staff_agenda.
REQUEST_PATTERN = r"^1s[cxvdrnmyt]\."
TYPED = "typed"


async def _decided(press: Press, course_id: int, state: str) -> None:
    at = clinic_time(press.services, press.services.clock.now())
    footer = texts.decision_footer(press.t, state=state, staff_name=press.staff.name, at=at)
    await press.query.answer()
    await show_request_view(press, course_id, footer=footer)


async def on_confirm(press: Press, data: buttons.ConfirmAll) -> None:
    """Confirm all: sessions and course confirmed, the patient told at once."""
    services = press.services
    async with services.database.write() as session:
        result = await confirm_course(
            session=session,
            services=services,
            course_id=data.course,
            seen_version=data.version,
            staff=press.staff,
            now=services.clock.now(),
        )
    if isinstance(result, Superseded):
        await show_superseded(press, result)
    else:
        await _decided(press, data.course, CourseState.CONFIRMED)


async def _still_current(press: Press, course_id: int, version: int) -> Course | None:
    """The course, if it is as the pressed button saw it; if not, staff are shown why."""
    async with press.services.database.read() as session:
        course = await session.get(Course, course_id)
    if course is None or course.version != version:
        await show_outdated(press, course, course_id)
        return None
    return course


async def on_edit(press: Press, data: buttons.EditRequest | buttons.ViewRequest) -> None:
    """Open the change view (or go back to the decisions) if nobody decided meanwhile."""
    course = await _still_current(press, data.course, data.version)
    if course is None:
        return
    await note_views(press.services, press.staff, VIEW_REQUEST, [course.patient_id])
    await press.query.answer()
    if isinstance(data, buttons.EditRequest):
        await show_edit_view(press, data.course)
    else:
        await show_request_view(press, data.course)


def _reason_buttons(press: Press, data: buttons.DeclineRequest) -> RenderedMessage:
    codec, t = press.services.codec, press.t
    rows = [
        (Button(label, codec.encode(buttons.DeclineWith(data.course, data.version, code))),)
        for code, label in desk.decline_reason_labels(t)
    ]
    typed = buttons.DeclineWith(data.course, data.version, TYPED)
    rows.append((Button(desk.type_reason_label(t), codec.encode(typed)),))
    back = buttons.ViewRequest(data.course, data.version)
    rows.append((Button(desk.back_label(t), codec.encode(back)),))
    return RenderedMessage(texts.ask_decline_reason(press.t, data.course), tuple(rows))


async def on_decline(press: Press, data: buttons.DeclineRequest) -> None:
    """Decline: ask for a reason from the short list, or typed."""
    if not await _still_current(press, data.course, data.version):
        return
    await press.query.answer()
    await show(press.query, _reason_buttons(press, data))


async def decline_with_reason(
    services: Services, staff: StaffActor, course_id: int, version: int, reason: str
) -> Superseded | None:
    """Store the decline; None when it went through."""
    async with services.database.write() as session:
        result = await decline_course(
            session=session,
            services=services,
            course_id=course_id,
            seen_version=version,
            reason=reason,
            staff=staff,
            now=services.clock.now(),
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
        await (show_superseded(press, lost) if lost else _decided(press, data.course, "declined"))
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
    async with services.database.write() as session:
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
    t = translations(await language_of(update, context.bot_data.services))
    prompt = await _take_prompt(services, message.chat.id, message.reply_to_message.message_id)
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


async def _take_prompt(services: Services, chat_id: int, message_id: int) -> StaffPrompt | None:
    """The decline prompt sent as `message_id`, deleted so that it is answered once (in
    webhook mode it was stored under its queued call's stand-in id)."""
    async with services.database.write() as session:
        ids = await queued_message_ids(session=session, chat_id=chat_id, message_id=message_id)
        prompt = (
            await session.exec(
                select(StaffPrompt).where(
                    StaffPrompt.chat_id == chat_id, col(StaffPrompt.message_id).in_(sorted(ids))
                )
            )
        ).first()
        if prompt is not None:
            await session.delete(prompt)
    return prompt


ROUTES: dict[type[ButtonData], Any] = {
    buttons.ConfirmAll: on_confirm,
    buttons.EditRequest: on_edit,
    buttons.ViewRequest: on_edit,
    buttons.DeclineRequest: on_decline,
    buttons.DeclineWith: on_decline_with,
    buttons.SetCount: staff_moves.on_count,
    buttons.MoveSession: staff_moves.on_move_session,
    buttons.MoveDay: staff_moves.on_move_day,
    buttons.MoveTo: staff_moves.on_move_to,
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
    services = context.bot_data.services
    await route(Press(services, staff, query, await language_of(update, services)), data)


async def show_pending(update: Update, context: MesobotContext) -> None:
    """/pending: requests awaiting a decision, oldest first, each with its decisions."""
    staff = await staff_command(update, context)
    if staff is None or update.effective_message is None:
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    t = translations(language)
    async with services.database.read() as session:
        courses = await pending_requests(session=session)
        views = [
            await request_view(session, services.clinic, services.codec, c.id or 0, language)
            for c in courses
        ]
    if not courses:
        await update.effective_message.reply_text(desk.no_pending(t))
        return
    await note_views(services, staff, VIEW_REQUEST, [course.patient_id for course in courses])
    await reply_long(update, [desk.pending_heading(t, count=len(courses))])
    for view in views:
        if view is not None:
            await update.effective_message.reply_text(view.text, reply_markup=markup(view))


def feature(services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_handlers(services))


def _handlers(services: Services) -> list[Handler]:
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
