"""Texts of the cancellation policy: the patient's screen inside the notice period, what they
read once the request is sent, the staff notice, and the request beside the session."""

from __future__ import annotations

from datetime import date, time
from gettext import NullTranslations

from mesobot.texts import escape, no_staff_note
from mesobot.texts.dates import clock_label, day_label


def notice_policy(
    t: NullTranslations,
    *,
    cancel: bool,
    hours: int,
    number: int,
    day: date,
    wall: time,
    language: str,
    no_staff_phone: str | None = None,
) -> str:
    """Shown instead of the cancel question or the move calendar, inside the notice period."""
    when = t.gettext("Session {number} is on {day} at {time}.").format(
        number=number, day=escape(day_label(day, language)), time=clock_label(wall)
    )
    policy = t.ngettext(
        "The clinic asks for {hours} hour's notice to change a session, so I cannot change "
        "this one here.",
        "The clinic asks for {hours} hours' notice to change a session, so I cannot change "
        "this one here.",
        hours,
    ).format(hours=hours)
    if no_staff_phone is not None:
        return "\n".join([when, policy, no_staff_note(t, no_staff_phone)])
    offer = (
        t.gettext("I can ask the clinic to cancel it for you.")
        if cancel
        else t.gettext("I can ask the clinic to move it for you.")
    )
    stays = t.gettext("Your session stays confirmed until the clinic answers.")
    return "\n".join([when, policy, f"{offer} {stays}"])


def ask_label(t: NullTranslations, *, cancel: bool) -> str:
    """The button that sends the request to staff (32 characters or fewer)."""
    return t.gettext("Ask the clinic to cancel") if cancel else t.gettext("Ask the clinic to move")


def request_sent(t: NullTranslations) -> str:
    """After the request is sent."""
    return t.gettext(
        "Your request is sent to the clinic. Your session stays confirmed until they answer."
    )


def request_beside(t: NullTranslations, answer: str | None) -> str:
    """The request beside a session in the patient's /appointments (empty when none)."""
    if answer == "cancel_request":
        return " · " + t.gettext("you asked to cancel")
    if answer == "move_request":
        return " · " + t.gettext("you asked to move it")
    return ""


def staff_late_change(
    t: NullTranslations,
    language: str,
    *,
    cancel: bool,
    hours: int,
    patient: str,
    phone: str | None,
    what: str,
    day: date,
    at: time,
    code: str,
) -> str:
    """To each staff member, privately: a request inside the notice period (`patient` is
    HTML, a link to their chat)."""
    _ = t.gettext
    heading = (
        _("⏰ {patient} asks to cancel this session:")
        if cancel
        else _("⏰ {patient} asks to move this session:")
    ).format(patient=patient)
    policy = t.ngettext(
        "It is less than {hours} hour away, inside the cancellation policy: it stays confirmed "
        "until you move or cancel it.",
        "It is less than {hours} hours away, inside the cancellation policy: it stays confirmed "
        "until you move or cancel it.",
        hours,
    ).format(hours=hours)
    return "\n".join(
        [
            heading,
            f"{escape(day_label(day, language))}, {clock_label(at)} · {escape(what)}"
            f" · <code>{escape(code)}</code>",
            _("Phone: {phone}").format(phone=escape(phone))
            if phone
            else _("Phone: not given yet"),
            policy,
        ]
    )
