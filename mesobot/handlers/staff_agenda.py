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
from mesobot.staff.agenda import AgendaEntry, agenda, last_change, session_by_code, session_by_id
from mesobot.staff.audit import StaffActor
from mesobot.staff.reviews import decision_buttons, reviewable
from mesobot.staff.session_outcomes import cancel_for_patient, record_outcome
from mesobot.staff.sessions import Stale
from mesobot.staff_notices import patient_label, practitioner_name, treatment_label
from mesobot.texts import escape
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk
from mesobot.texts.questionnaire import allergy_flagged
from mesobot.texts.splitting import split_html_messages

# Telegram allows 100 buttons a message; four a session leaves room for 20 sessions.
SESSIONS_PER_MESSAGE = 20


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


def entry_line(services: Services, entry: AgendaEntry, language: str, *, private: bool) -> str:
    """One session of the agenda; in a group, initials and no treatment (anyone can read it)."""
    t = translations(language)
    a = entry.appointment
    who = (
        patient_label(entry.patient)
        if private
        else texts.initials(entry.patient.display_name) or "—"
    )
    what = (
        f" · {escape(treatment_label(services.clinic, entry.course.treatment, language))}"
        f" {entry.position}/{entry.total}"
        f" · {escape(practitioner_name(services.clinic, a.resource_id))}"
        f"{texts.allergy_flag(t) if allergy_flagged(entry.course.answers) else ''}"
        if private
        else ""
    )
    return (
        f"<b>{texts.hhmm(a.local_time)}</b> <code>{escape(a.code)}</code> {escape(who)}{what}"
        f" · {texts.state_name(t, a.state)}{texts.reminder_answer(t, a.patient_answer)}"
    )


def action_row(services: Services, entry: AgendaEntry, language: str) -> tuple[Button, ...]:
    """Done / No-show / Move / Cancel for one open session; the review after a Done one."""
    t = translations(language)
    a, codec = entry.appointment, services.codec
    session_id, version = a.id or 0, a.version

    def act(action: str) -> str:
        return codec.encode(buttons.SessionAction(session_id, version, action))

    row: list[Button] = []
    if a.state == SessionState.CONFIRMED:
        row += [
            Button(desk.done_label(t, a.local_time), act("d")),
            Button(desk.no_show_label(t), act("n")),
        ]
    if a.state in (SessionState.CONFIRMED, SessionState.REQUESTED):
        row += [
            Button(desk.move_label(t), codec.encode(buttons.MoveSession(session_id, version))),
            Button(desk.cancel_label(t), act("c")),
        ]
    if a.state == SessionState.DONE and reviewable(services.clinic, entry.course):
        row += decision_buttons(services, entry.course, language)  # the six-week review
    return tuple(row)


def agenda_messages(
    services: Services, entries: list[AgendaEntry], language: str, *, private: bool, title: str
) -> list[RenderedMessage]:
    """The agenda as messages: lines split cleanly, each block's buttons on its last message."""
    messages: list[RenderedMessage] = []
    blocks = [
        entries[i : i + SESSIONS_PER_MESSAGE] for i in range(0, len(entries), SESSIONS_PER_MESSAGE)
    ]
    for number, block in enumerate(blocks or [[]]):
        lines = [title] if number == 0 else []
        lines += [entry_line(services, e, language, private=private) for e in block]
        if not block:
            lines.append(desk.no_sessions(translations(language)))
        parts = split_html_messages(lines)
        rows = tuple(r for r in (action_row(services, e, language) for e in block) if r)
        messages += [RenderedMessage(p) for p in parts[:-1]]
        messages.append(RenderedMessage(parts[-1], rows if private else ()))
    return messages


async def _send_all(update: Update, messages: list[RenderedMessage]) -> None:
    message = update.effective_message
    assert message is not None
    for rendered in messages:
        await message.reply_text(rendered.text, reply_markup=markup(rendered))


async def show_agenda(update: Update, context: MesobotContext) -> None:
    """/agenda [date]: the day's sessions by time (default today)."""
    if await staff_command(update, context) is None or update.effective_message is None:
        return
    services, language = context.bot_data.services, language_of(update)
    t = translations(language)
    day = parse_day(" ".join(context.args or []), services)
    if day is None:
        await update.effective_message.reply_text(desk.agenda_usage(t))
        return
    async with services.database.read() as session:
        entries = await agenda(
            session=session, clinic_id=services.clinic.clinic.id, first=day, last=day
        )
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    title = desk.agenda_title(t, day=texts.day_label(day, language))
    await _send_all(
        update, agenda_messages(services, entries, language, private=private, title=title)
    )


async def show_week(update: Update, context: MesobotContext) -> None:
    """/week: the sessions of the next 7 days, by day (act on one with /session CODE)."""
    if await staff_command(update, context) is None or update.effective_message is None:
        return
    services, language = context.bot_data.services, language_of(update)
    first = today(services)
    async with services.database.read() as session:
        entries = await agenda(
            session=session,
            clinic_id=services.clinic.clinic.id,
            first=first,
            last=first + timedelta(days=6),
        )
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    lines: list[str] = []
    shown: date | None = None
    for entry in entries:
        if entry.appointment.local_date != shown:
            shown = entry.appointment.local_date
            lines.append(f"\n<b>{texts.day_label(shown, language)}</b>")
        lines.append(entry_line(services, entry, language, private=private))
    if not lines:
        lines = [desk.empty_week(translations(language))]
    for text in split_html_messages(lines):
        await update.effective_message.reply_text(text.strip())


def session_card(
    services: Services,
    entry: AgendaEntry,
    language: str,
    footer: str | None = None,
    *,
    private: bool = True,
) -> RenderedMessage:
    """One session with its buttons, as /session shows it, `footer` above it. In a group:
    initials, no treatment and no buttons (everyone in it reads the card)."""
    day = texts.day_label(entry.appointment.local_date, language)
    text = f"<b>{day}</b>\n{entry_line(services, entry, language, private=private)}"
    row = action_row(services, entry, language) if private else ()
    return RenderedMessage(f"{footer}\n\n{text}" if footer else text, (row,) if row else ())


async def show_session(update: Update, context: MesobotContext) -> None:
    """/session CODE: one session with its buttons."""
    if await staff_command(update, context) is None or update.effective_message is None:
        return
    services, language = context.bot_data.services, language_of(update)
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
    a = entry.appointment
    state = texts.state_name(t, a.state)
    if a.state in (SessionState.DONE, SessionState.NO_SHOW, SessionState.CANCELLED) and last:
        who = escape(desk.actor_name(t, last.actor, last.staff_name))
        at = texts.hhmm(clinic_time(services, last.at))
        note = desk.session_already(t, code=escape(a.code), state=state, who=who, at=at)
    else:
        when = texts.moment_label(a.local_date, a.local_time, language)
        note = desk.session_changed(t, code=escape(a.code), state=state, when=when)
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
    services, language = context.bot_data.services, language_of(update)
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
