"""/agenda, /week and /session: the clinic's days, with Done / No-show / Move / Cancel."""

from __future__ import annotations

import html
from datetime import date, timedelta

from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler

from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature, Handler
from mesobot.handlers.staff_access import (
    clinic_time,
    language_of,
    markup,
    show,
    staff_command,
    staff_press,
)
from mesobot.i18n import translations
from mesobot.models import Appointment, SessionState
from mesobot.models.course import HOLDING_STATES
from mesobot.outbox.policies import Button, RenderedMessage
from mesobot.services import Services
from mesobot.staff import buttons
from mesobot.staff.agenda import last_change, session_by_code, session_by_id
from mesobot.staff.audit import StaffActor
from mesobot.staff.session_outcomes import cancel_for_patient, record_outcome
from mesobot.staff.sessions import Stale
from mesobot.staff.views import agenda_view, changed_note, session_card, week_view
from mesobot.texts import escape
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk


def today(services: Services) -> date:
    """The clinic's local date now."""
    return clinic_time(services, services.clock.now()).date()


def parse_day(text: str, services: Services) -> date | None:
    """YYYY-MM-DD, "today" or "tomorrow"; None when it is none of them."""
    text = text.strip().lower()
    if text in ("", "today"):
        return today(services)
    if text == "tomorrow":
        return today(services) + timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


async def _send_all(update: Update, messages: list[RenderedMessage]) -> None:
    message = update.effective_message
    assert message is not None
    for rendered in messages:
        await message.reply_text(rendered.text, reply_markup=markup(rendered))


async def show_agenda(update: Update, context: MesobotContext) -> None:
    """/agenda [date]: the day's sessions by time (default today)."""
    if await staff_command(update, context) is None or update.effective_message is None:
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    t = translations(language)
    day = parse_day(" ".join(context.args or []), services)
    if day is None:
        await update.effective_message.reply_text(desk.agenda_usage(t))
        return
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    async with services.database.read() as session:
        messages = await agenda_view(session, services, day, language, private=private)
    await _send_all(update, messages)


async def show_week(update: Update, context: MesobotContext) -> None:
    """/week: the sessions of the next 7 days, by day (act on one with /session CODE)."""
    if await staff_command(update, context) is None or update.effective_message is None:
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    async with services.database.read() as session:
        messages = await week_view(session, services, today(services), language, private=private)
    await _send_all(update, messages)


async def show_session(update: Update, context: MesobotContext) -> None:
    """/session CODE: one session with its buttons."""
    if await staff_command(update, context) is None or update.effective_message is None:
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    code = " ".join(context.args or [])
    async with services.database.read() as session:
        entry = await session_by_code(session=session, code=code) if code else None
    if entry is None:
        await update.effective_message.reply_text(
            desk.unknown_code(translations(language), code=escape(code))
        )
        return
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    card = session_card(services, entry, language, private=private)
    await update.effective_message.reply_text(card.text, reply_markup=markup(card))


async def show_session_now(
    query: CallbackQuery,
    services: Services,
    language: str,
    appointment_id: int,
    *,
    in_place: bool = False,
) -> None:
    """A button drawn for an earlier version of a session: say what happened, and show the
    session as it is now with buttons that act on it (in place of the pressed message, or,
    from an agenda of many sessions, under it)."""
    t = translations(language)
    async with services.database.read() as session:
        entry = await session_by_id(session=session, appointment_id=appointment_id)
        last = await last_change(session=session, appointment_id=appointment_id)
    if entry is None:
        await query.answer(texts.stale_session(t), show_alert=True)
        return
    note = changed_note(services, entry, last, language)
    await query.answer(html.unescape(note)[:200], show_alert=True)
    card = session_card(services, entry, language, footer=note)
    message = query.message
    if in_place:
        await show(query, card)
    elif message is not None and message.chat.type == ChatType.PRIVATE:
        await query.get_bot().send_message(message.chat.id, card.text, reply_markup=markup(card))


async def _ask_cancel(
    query: CallbackQuery, services: Services, language: str, data: buttons.SessionAction
) -> None:
    """Cancel pressed: ask first, if the session is still the one the button was drawn for."""
    async with services.database.read() as session:
        a = await session.get(Appointment, data.appointment)
    if a is None or a.version != data.version or a.state not in HOLDING_STATES:
        await show_session_now(query, services, language, data.appointment)
        return
    await query.answer()
    t = translations(language)
    yes = Button(
        desk.confirm_cancel_label(t),
        services.codec.encode(buttons.SessionAction(data.appointment, data.version, "k")),
    )
    if query.message is not None:
        await query.get_bot().send_message(
            query.message.chat.id,
            desk.confirm_cancel_question(t),
            reply_markup=markup(RenderedMessage("", ((yes,),))),
        )


async def _act(
    services: Services, staff: StaffActor, data: buttons.SessionAction
) -> Appointment | Stale:
    """Done, No-show or the confirmed Cancel, in one write."""
    now = services.clock.now()
    async with services.database.write() as session:
        if data.action == "k":
            return await cancel_for_patient(
                session=session,
                services=services,
                appointment_id=data.appointment,
                seen_version=data.version,
                staff=staff,
                now=now,
            )
        return await record_outcome(
            session=session,
            services=services,
            appointment_id=data.appointment,
            seen_version=data.version,
            outcome=SessionState.DONE if data.action == "d" else SessionState.NO_SHOW,
            staff=staff,
            now=now,
        )


async def on_session_action(update: Update, context: MesobotContext) -> None:
    """Done / No-show / Cancel (asked, then done) on one session, at the version seen."""
    pressed = await staff_press(update, context)
    if pressed is None:
        return
    staff, data, query = pressed
    services = context.bot_data.services
    language = await language_of(update, services)
    if isinstance(data, buttons.UnversionedSessionAction):
        await show_session_now(query, services, language, data.appointment)
        return
    if not isinstance(data, buttons.SessionAction) or data.action not in ("c", "d", "n", "k"):
        await query.answer()
        return
    if data.action == "c":
        await _ask_cancel(query, services, language, data)
        return
    result = await _act(services, staff, data)
    if isinstance(result, Stale):
        await show_session_now(query, services, language, data.appointment)
        return
    t = translations(language)
    await query.answer(
        desk.session_now(t, code=result.code, state=texts.state_name(t, result.state))
    )


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_handlers(_services))


def _handlers(_services: Services) -> list[Handler]:
    return [
        CommandHandler("agenda", show_agenda),
        CommandHandler("week", show_week),
        CommandHandler("session", show_session),
        # "sa": buttons drawn before sessions had versions (they show the session as it is now).
        CallbackQueryHandler(on_session_action, pattern=r"^1s[as]\."),
    ]
