"""Texts of staff's day-to-day commands: /agenda, /week, /session, /block, /unblock, /patient
and /pending, and of the request buttons. Values are escaped by the caller where they come
from users."""

from __future__ import annotations

from datetime import time
from gettext import NullTranslations

from mesobot.texts.staff import DECLINE_REASONS

# The agenda's action buttons


def done_label(t: NullTranslations, wall: time) -> str:
    """Mark a session done (its time on the button, so staff see which row it is)."""
    return t.gettext("Done {time}").format(time=wall.strftime("%H:%M"))


def no_show_label(t: NullTranslations) -> str:
    """Mark a session as a no-show."""
    return t.gettext("No-show")


def move_label(t: NullTranslations) -> str:
    """Move a session."""
    return t.gettext("Move")


def cancel_label(t: NullTranslations) -> str:
    """Cancel a session (asked again first). Its own context: "cancel a session" is not the
    patient's "leave what you are doing" in every language (de: Absagen, not Abbrechen)."""
    return t.pgettext("a session", "Cancel")


def confirm_cancel_label(t: NullTranslations) -> str:
    """The second tap that really cancels a session."""
    return t.gettext("Yes, cancel it and tell the patient")


def confirm_cancel_question(t: NullTranslations) -> str:
    """Asked before a session is cancelled from the agenda."""
    return t.gettext("Cancel this session? The patient will be told.")


def session_already(t: NullTranslations, *, code: str, state: str, who: str, at: str) -> str:
    """Told when a button acts on a session that has since been done, missed or cancelled."""
    return t.gettext("Session {code} is already marked {state}: {who} at {time}.").format(
        code=code, state=state, who=who, time=at
    )


def session_changed(t: NullTranslations, *, code: str, state: str, when: str) -> str:
    """Told when a button acts on a session that has changed since it was drawn."""
    return t.gettext(
        "Session {code} has changed meanwhile: it is now {state}, {when}. Here it is as it is now."
    ).format(code=code, state=state, when=when)


def actor_name(t: NullTranslations, actor: str, staff_name: str | None) -> str:
    """Who changed a session, as the state events name them."""
    if actor == "patient":
        return t.gettext("the patient")
    if actor == "system":
        return t.gettext("the bot")
    return staff_name or t.gettext("a member of staff")


def session_now(t: NullTranslations, *, code: str, state: str) -> str:
    """The toast after Done / No-show / Cancel: the session's code and its new state."""
    return t.gettext("{code}: {state}").format(code=code, state=state)


# /agenda, /week, /session


def no_sessions(t: NullTranslations) -> str:
    """An agenda day with nothing booked."""
    return t.gettext("No sessions.")


def agenda_usage(t: NullTranslations) -> str:
    """/agenda with a date that cannot be read."""
    return t.gettext("Usage: /agenda [YYYY-MM-DD]")


def agenda_title(t: NullTranslations, *, day: str) -> str:
    """The heading of one day's agenda."""
    return t.gettext("<b>Agenda of {day}</b>").format(day=day)


def empty_week(t: NullTranslations) -> str:
    """/week with nothing booked."""
    return t.gettext("No sessions in the next 7 days.")


def unknown_code(t: NullTranslations, *, code: str) -> str:
    """/session with a code no session has (`code` escaped)."""
    return t.gettext("No session has the code {code}.").format(code=code)


# /block and /unblock


def block_usage(t: NullTranslations) -> str:
    """/block without a readable date."""
    return t.gettext("Usage: /block YYYY-MM-DD [HH:MM-HH:MM] [reason]")


def closure_out_of_range(t: NullTranslations, *, first: str, last: str) -> str:
    """/block or /unblock with a date over a year back or two years ahead."""
    return t.gettext(
        "Closures can be set and removed from {first} to {last} (a year back, two years "
        "ahead): check the date."
    ).format(first=first, last=last)


def blocked(t: NullTranslations, *, when: str) -> str:
    """A closure was set."""
    return t.gettext("Blocked {when}.").format(when=when)


def blocked_with_sessions(t: NullTranslations, *, count: int) -> str:
    """Booked sessions fall inside the new closure: they stand until staff move them."""
    return t.ngettext(
        "{n} booked session is inside it and still stands: move it.",
        "{n} booked sessions are inside it and still stand: move them.",
        count,
    ).format(n=count)


def move_code_label(t: NullTranslations, *, code: str) -> str:
    """Move one session caught by a closure."""
    return t.gettext("Move {code}").format(code=code)


def unblock_usage(t: NullTranslations) -> str:
    """/unblock without a readable date."""
    return t.gettext("Usage: /unblock YYYY-MM-DD")


def unblocked(t: NullTranslations, *, day: str, removed: int) -> str:
    """What /unblock did: closures removed, or none set in Telegram that day."""
    if removed:
        return t.ngettext(
            "{day} is open again ({n} closure removed).",
            "{day} is open again ({n} closures removed).",
            removed,
        ).format(day=day, n=removed)
    return t.gettext(
        "No closure set in Telegram on {day} (closures in the clinic file stay)."
    ).format(day=day)


# /patient


def no_patient_matches(t: NullTranslations, *, text: str) -> str:
    """/patient found nobody (`text` escaped)."""
    return t.gettext("No patient matches {text}.").format(text=text)


def reports_heading(t: NullTranslations) -> str:
    """The heading of a patient's reaction reports."""
    return t.gettext("<b>Reaction reports</b>")


def phone_line(t: NullTranslations, phone: str | None) -> str:
    """The patient's phone (`phone` escaped), or that none was given."""
    if phone:
        return t.gettext("Phone: {phone}").format(phone=phone)
    return t.gettext("Phone: not given yet")


def no_show_count(t: NullTranslations, count: int) -> str:
    """How many sessions the patient missed, in /patient."""
    return t.gettext("No-shows: {count}").format(count=count)


def course_heading(
    t: NullTranslations, *, course_id: int | None, treatment: str, state: str
) -> str:
    """One course of the patient (`treatment` escaped)."""
    return t.gettext("<b>Treatment #{id}</b>: {treatment} · {state}").format(
        id=course_id, treatment=treatment, state=state
    )


def history_heading(t: NullTranslations) -> str:
    """The heading of what staff did about the patient."""
    return t.gettext("<b>History</b>")


# Requests: declining, the way back from a change, /pending


def decline_reason_labels(t: NullTranslations) -> list[tuple[str, str]]:
    """The preset decline reasons, each code with its label for staff."""
    return [(code, t.gettext(label)) for code, label, _text in DECLINE_REASONS]


def type_reason_label(t: NullTranslations) -> str:
    """Decline with a reason staff type themselves."""
    return t.gettext("✍️ Type a reason")


def back_label(t: NullTranslations) -> str:
    """Back to the previous view of a request."""
    return t.gettext("↩️ Back")


def no_pending(t: NullTranslations) -> str:
    """/pending with no request waiting for a decision."""
    return t.gettext("No requests are waiting.")


def pending_heading(t: NullTranslations, *, count: int) -> str:
    """The heading of /pending: how many requests wait for a decision."""
    return t.ngettext("<b>{n} request waiting</b>", "<b>{n} requests waiting</b>", count).format(
        n=count
    )
