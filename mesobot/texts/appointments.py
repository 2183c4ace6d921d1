"""Texts of /appointments: a patient's courses, and moving or cancelling a session."""

from __future__ import annotations

from datetime import date, time
from gettext import NullTranslations

from mesobot.i18n import N_
from mesobot.texts import escape, no_staff_note
from mesobot.texts.booking import AREA_LABELS, series_lines
from mesobot.texts.dates import clock_label, day_label, zone_city

STATE_LABELS = {
    "requested": N_("awaiting the clinic's confirmation"),
    "confirmed": N_("confirmed"),
    "done": N_("done"),
    "no_show": N_("missed"),
    "cancelled": N_("cancelled"),
}


def move_calendar_heading(t: NullTranslations, *, number: int, month: str, any_free: bool) -> str:
    """Above the month calendar when moving a session."""
    _ = t.gettext
    heading = _("<b>Choose a new date for session {number}</b> ({month})").format(
        number=number, month=month
    )
    if any_free:
        return heading + "\n" + _("Only dates that keep your treatment's spacing are shown.")
    return heading + "\n" + _("No possible dates this month: try another one.")


def no_appointments(t: NullTranslations) -> str:
    """/appointments without any course."""
    return t.gettext("You have no upcoming sessions. Use /start to book a treatment.")


def course_heading(t: NullTranslations, *, treatment: str, area: str | None, state: str) -> str:
    """A course in /appointments."""
    _ = t.gettext
    title = escape(treatment) + (f" ({escape(_(AREA_LABELS[area]))})" if area else "")
    return _("<b>{title}</b>: {state}").format(title=title, state=escape(_(STATE_LABELS[state])))


def session_line(
    t: NullTranslations, number: int, day: date, wall: time, state: str, language: str
) -> str:
    """One session in /appointments."""
    when = f"{escape(day_label(day, language))}, {clock_label(wall)}"
    return f"{number}. {when}: {escape(t.gettext(STATE_LABELS[state]))}"


def move_label(t: NullTranslations, number: int) -> str:
    """The button that moves session `number`."""
    return t.gettext("Move session {number}").format(number=number)


def cancel_label(t: NullTranslations, number: int) -> str:
    """The button that cancels session `number`."""
    return t.gettext("Cancel session {number}").format(number=number)


def move_preview(
    t: NullTranslations,
    *,
    number: int,
    slots: list[tuple[date, time]],
    zone: str,
    language: str,
    back_to_staff: bool,
    no_staff_phone: str | None = None,
) -> str:
    """The course after moving a session, before the patient confirms it."""
    _ = t.gettext
    lines = [_("<b>Your treatment if session {number} moves</b>").format(number=number)]
    lines += series_lines(t, slots, language)
    lines.append(_("Times are {city} time.").format(city=escape(zone_city(zone, language))))
    if no_staff_phone is not None:
        lines.append(no_staff_note(t, no_staff_phone))  # nobody would confirm or hear of it
    elif back_to_staff:
        lines.append(_("The clinic will confirm the new times."))
    return "\n".join(lines)


def _told(t: NullTranslations, done: str, no_staff_phone: str | None) -> str:
    """`done`, and that the clinic knows; with no staff configured, how to tell it instead."""
    if no_staff_phone is None:
        return done + " " + t.gettext("The clinic has been told.")
    return done + " " + no_staff_note(t, no_staff_phone)


def moved(t: NullTranslations, no_staff_phone: str | None = None, *, awaiting: bool) -> str:
    """After a move; `awaiting`: the new time waits for the clinic's confirmation."""
    if no_staff_phone is not None or not awaiting:
        return _told(t, t.gettext("Done: your session is moved."), no_staff_phone)
    return t.gettext(
        "Your new time is saved, but it is not confirmed yet: the clinic has been told and "
        "will confirm it."
    )


def ask_cancel(t: NullTranslations, *, number: int, day: date, wall: time, language: str) -> str:
    """The confirmation before cancelling."""
    return t.gettext(
        "Cancel session {number} on {day} at {time}? You can cancel only this session, or "
        "this one and all later sessions of the treatment."
    ).format(number=number, day=escape(day_label(day, language)), time=clock_label(wall))


def cancelled_one(t: NullTranslations, no_staff_phone: str | None = None) -> str:
    """After cancelling one session."""
    return _told(t, t.gettext("Session cancelled."), no_staff_phone)


def cancelled_rest(t: NullTranslations, no_staff_phone: str | None = None) -> str:
    """After cancelling the rest of a course."""
    return _told(t, t.gettext("Cancelled."), no_staff_phone)


def too_few(t: NullTranslations, minimum: int) -> str:
    """Cancelling one session would leave too few."""
    return t.ngettext(
        "The treatment needs at least {n} session: move this one, or cancel the rest of the "
        "treatment.",
        "The treatment needs at least {n} sessions: move this one, or cancel the rest of the "
        "treatment.",
        minimum,
    ).format(n=minimum)


def session_gone(t: NullTranslations) -> str:
    """A button about a session that can no longer be changed."""
    return t.gettext("That session can no longer be changed. Here are your sessions now.")


def session_changed(t: NullTranslations) -> str:
    """A cancellation asked about a session that staff changed since: asked again."""
    return t.gettext("This session has changed since I asked: here it is as it is now.")


def kept(t: NullTranslations) -> str:
    """Keep it."""
    return t.gettext("Nothing was changed.")
