"""/agenda, /week and /session: the clinic's days, with Done / No-show / Move / Cancel."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature, Handler
from mesobot.handlers.staff_access import (
    clinic_time,
    language_of,
    markup,
    staff_command,
    staff_press,
)
from mesobot.i18n import translations
from mesobot.models import SessionState
from mesobot.outbox.policies import Button, RenderedMessage
from mesobot.services import Services
from mesobot.staff import buttons
from mesobot.staff.agenda import AgendaEntry, agenda, session_by_code
from mesobot.staff.sessions import Stale, cancel_for_patient, record_outcome
from mesobot.staff_notices import patient_label, treatment_label
from mesobot.texts import escape
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk
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
        if private
        else ""
    )
    return (
        f"<b>{texts.hhmm(a.local_time)}</b> <code>{escape(a.code)}</code> {escape(who)}{what}"
        f" · {texts.state_name(t, a.state)}{texts.reminder_answer(t, a.patient_answer)}"
    )


def action_row(services: Services, entry: AgendaEntry, language: str) -> tuple[Button, ...]:
    """Done / No-show / Move / Cancel for one open session."""
    t = translations(language)
    a, codec = entry.appointment, services.codec
    session_id = a.id or 0
    row: list[Button] = []
    if a.state == SessionState.CONFIRMED:
        row += [
            Button(
                desk.done_label(t, a.code), codec.encode(buttons.SessionAction(session_id, "d"))
            ),
            Button(desk.no_show_label(t), codec.encode(buttons.SessionAction(session_id, "n"))),
        ]
    if a.state in (SessionState.CONFIRMED, SessionState.REQUESTED):
        row += [
            Button(
                desk.move_label(t),
                codec.encode(buttons.MoveSession(session_id, entry.course.version)),
            ),
            Button(desk.cancel_label(t), codec.encode(buttons.SessionAction(session_id, "c"))),
        ]
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
    title = desk.agenda_title(t, day=texts.short_day_label(day, language))
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
            lines.append(f"\n<b>{texts.short_day_label(shown, language)}</b>")
        lines.append(entry_line(services, entry, language, private=private))
    if not lines:
        lines = [desk.empty_week(translations(language))]
    for text in split_html_messages(lines):
        await update.effective_message.reply_text(text.strip())


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
    day = texts.short_day_label(entry.appointment.local_date, language)
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    text = f"<b>{day}</b>\n{entry_line(services, entry, language, private=private)}"
    row = action_row(services, entry, language) if private else ()
    await update.effective_message.reply_text(
        text, reply_markup=markup(RenderedMessage(text, (row,) if row else ()))
    )


async def on_session_action(update: Update, context: MesobotContext) -> None:
    """Done / No-show / Cancel (asked, then done) on one session."""
    pressed = await staff_press(update, context)
    if pressed is None:
        return
    staff, data, query = pressed
    if not isinstance(data, buttons.SessionAction):
        await query.answer()
        return
    services, t = context.bot_data.services, translations(language_of(update))
    if data.action == "c":
        await query.answer()
        yes = Button(
            desk.confirm_cancel_label(t),
            services.codec.encode(buttons.SessionAction(data.appointment, "k")),
        )
        if query.message is not None:
            await query.get_bot().send_message(
                query.message.chat.id,
                desk.confirm_cancel_question(t),
                reply_markup=markup(RenderedMessage("", ((yes,),))),
            )
        return
    if data.action not in ("d", "n", "k"):
        await query.answer()
        return
    now = services.clock.now()
    async with services.database.write() as session:
        if data.action in ("d", "n"):
            outcome = SessionState.DONE if data.action == "d" else SessionState.NO_SHOW
            result = await record_outcome(
                session=session,
                services=services,
                appointment_id=data.appointment,
                outcome=outcome,
                staff=staff,
                now=now,
            )
        else:
            result = await cancel_for_patient(
                session=session,
                services=services,
                appointment_id=data.appointment,
                staff=staff,
                now=now,
            )
    if isinstance(result, Stale):
        await query.answer(texts.stale_session(t), show_alert=True)
        return
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
        CallbackQueryHandler(on_session_action, pattern=r"^1sa\."),
    ]
