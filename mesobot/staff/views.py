"""The staff's agenda views without Telegram: /agenda, /week and /session's card, as texts
with their buttons, which the handlers (mesobot/handlers/staff_agenda.py) only send."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.i18n import translations
from mesobot.models import SessionState
from mesobot.outbox.policies import Button, RenderedMessage
from mesobot.services import Services
from mesobot.staff import buttons
from mesobot.staff.agenda import AgendaEntry, LastChange, agenda
from mesobot.staff.reviews import decision_buttons, reviewable
from mesobot.staff_notices import patient_label, practitioner_name, treatment_label
from mesobot.texts import escape
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk
from mesobot.texts.questionnaire import allergy_flagged
from mesobot.texts.splitting import split_html_messages

# Telegram allows 100 buttons a message; four a session leaves room for 20 sessions.
SESSIONS_PER_MESSAGE = 20


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


async def agenda_view(
    session: AsyncSession, services: Services, day: date, language: str, *, private: bool
) -> list[RenderedMessage]:
    """/agenda for `day`: its sessions by time, with their buttons in a private chat."""
    entries = await agenda(
        session=session, clinic_id=services.clinic.clinic.id, first=day, last=day
    )
    title = desk.agenda_title(translations(language), day=texts.day_label(day, language))
    return agenda_messages(services, entries, language, private=private, title=title)


async def week_view(
    session: AsyncSession, services: Services, first: date, language: str, *, private: bool
) -> list[RenderedMessage]:
    """/week from `first`: seven days of sessions, by day (acted on with /session CODE)."""
    entries = await agenda(
        session=session,
        clinic_id=services.clinic.clinic.id,
        first=first,
        last=first + timedelta(days=6),
    )
    lines: list[str] = []
    shown: date | None = None
    for entry in entries:
        if entry.appointment.local_date != shown:
            shown = entry.appointment.local_date
            lines.append(f"\n<b>{texts.day_label(shown, language)}</b>")
        lines.append(entry_line(services, entry, language, private=private))
    if not lines:
        lines = [desk.empty_week(translations(language))]
    return [RenderedMessage(text.strip()) for text in split_html_messages(lines)]


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


def changed_note(
    services: Services, entry: AgendaEntry, last: LastChange | None, language: str
) -> str:
    """Above a session's card when a button drawn for an earlier version of it was pressed:
    who marked it and when, or what it is now."""
    t = translations(language)
    a = entry.appointment
    state = texts.state_name(t, a.state)
    if a.state in (SessionState.DONE, SessionState.NO_SHOW, SessionState.CANCELLED) and last:
        who = escape(desk.actor_name(t, last.actor, last.staff_name))
        at = texts.hhmm(last.at.astimezone(services.clinic.calendar().zone))
        return desk.session_already(t, code=escape(a.code), state=state, who=who, at=at)
    when = texts.moment_label(a.local_date, a.local_time, language)
    return desk.session_changed(t, code=escape(a.code), state=state, when=when)
