"""Texts of the staff side, and of what staff decisions tell patients. Values are escaped."""

from __future__ import annotations

from datetime import date, datetime, time
from gettext import NullTranslations

from mesobot.i18n import N_
from mesobot.texts import escape
from mesobot.texts.booking import AREA_LABELS

# The one formatter for dates and times (mesobot.texts.dates), re-exported for staff views.
from mesobot.texts.dates import clock_label as clock_label
from mesobot.texts.dates import day_label as day_label
from mesobot.texts.dates import moment_label as moment_label

hhmm = clock_label  # the name staff views have always used

# Preset reasons for declining: (code, label for staff, what the patient reads).
DECLINE_REASONS: tuple[tuple[str, str, str], ...] = (
    (
        "times",
        N_("Times not available"),
        N_("the clinic cannot offer these dates and times. Please choose other dates."),
    ),
    (
        "consult",
        N_("Consultation first"),
        N_(
            "the practitioner would like to see you for a consultation first. "
            "Please call the clinic to arrange it."
        ),
    ),
    (
        "unsuitable",
        N_("Not suitable"),
        N_(
            "this treatment does not seem right for you at the moment. "
            "Please call the clinic to talk about it."
        ),
    ),
)
PRESET_LABELS = {code: label for code, label, _ in DECLINE_REASONS}
PRESET_PATIENT_TEXTS = {code: text for code, _, text in DECLINE_REASONS}

STATE_NAMES = {
    "requested": N_("requested"),
    "confirmed": N_("confirmed"),
    "declined": N_("declined"),
    "expired": N_("expired"),
    "cancelled": N_("cancelled"),
    "completed": N_("completed"),
    "done": N_("done"),
    "no_show": N_("no-show"),
}

ACTION_NAMES = {
    "confirm": N_("confirmed treatment"),
    "decline": N_("declined treatment"),
    "move": N_("moved a session of"),
    "count": N_("changed the number of sessions of"),
    "done": N_("marked done"),
    "no_show": N_("marked a no-show"),
    "cancel": N_("cancelled a session of"),
    "block": N_("blocked"),
    "unblock": N_("unblocked"),
    "review_add": N_("added the second session to"),
    "review_not_needed": N_("decided no second session is needed for"),
    "export:patient": N_("exported the patient's data"),
    "erase": N_("erased the patient"),
}


def state_name(t: NullTranslations, state: str) -> str:
    """A session's or request's state in words."""
    return t.gettext(STATE_NAMES.get(state, state))


def course_state_name(t: NullTranslations, state: str) -> str:
    """A treatment's (a course's) state in words: its own context, since a state agrees with
    the noun it follows (es "tratamiento confirmado", but "sesión confirmada")."""
    names = {
        "requested": t.pgettext("a treatment", "requested"),
        "confirmed": t.pgettext("a treatment", "confirmed"),
        "declined": t.pgettext("a treatment", "declined"),
        "expired": t.pgettext("a treatment", "expired"),
        "cancelled": t.pgettext("a treatment", "cancelled"),
        "completed": t.pgettext("a treatment", "completed"),
    }
    return names.get(state) or state_name(t, state)


def staff_only(t: NullTranslations) -> str:
    """What anyone but staff gets from a staff command or button, and nothing more."""
    return t.gettext("This is for clinic staff.")


def initials(name: str | None) -> str:
    """'Ana Pérez' as 'A. P.': enough for the group chat, which everyone in it can read."""
    parts = [part for part in (name or "").split() if part[:1].isalpha()]
    return " ".join(f"{part[0].upper()}." for part in parts[:3])


def reminder_answer(t: NullTranslations, answer: str | None) -> str:
    """What the patient answered to their reminder, as a suffix of an agenda line."""
    if answer == "attending":
        return " · " + t.gettext("✅ will come")
    if answer == "reschedule":
        return " · " + t.gettext("🔁 wants another date")
    if answer == "cancel_request":
        return " · " + t.gettext("⏰ asks to cancel")
    if answer == "move_request":
        return " · " + t.gettext("⏰ asks to move")
    return ""


def allergy_flag(t: NullTranslations) -> str:
    """Beside an agenda line whose patient answered the allergy question with a yes or unsure."""
    return " · " + t.gettext("⚠️ allergy")


def report_line(t: NullTranslations, *, number: int, when: str, label: str, state: str) -> str:
    """One reaction report in /patient, such as
    '#12 Thu, 3 Dec 2026, 11:02 · possible infection · acknowledged'."""
    return t.gettext("#{number} {when} · {label} · {state}").format(
        number=number, when=escape(when), label=escape(label), state=escape(state)
    )


def session_line(
    t: NullTranslations,
    language: str,
    *,
    position: int,
    total: int,
    day: date,
    at: time,
    code: str,
) -> str:
    """One planned session: '2/4 · Mon, 7 Dec 2026, 10:00 · [ABC123]'."""
    return t.gettext("{k}/{n} · {when} · <code>{code}</code>").format(
        k=position, n=total, when=moment_label(day, at, language), code=escape(code)
    )


def request_heading(
    t: NullTranslations,
    *,
    course_id: int,
    patient: str,
    phone: str | None,
    treatment: str,
    area: str | None,
    count: int,
) -> list[str]:
    """The top of a private new-request notice."""
    _ = t.gettext
    lines = [
        _("<b>Request #{id}</b> from {patient}").format(id=course_id, patient=escape(patient)),
        _("Phone: {phone}").format(phone=escape(phone)) if phone else _("Phone: not given yet"),
        _("Treatment: {treatment}").format(treatment=escape(treatment))
        + (f" ({escape(_(AREA_LABELS.get(area, area)))})" if area else ""),
        _("Sessions: {count}").format(count=count),
    ]
    return lines


def group_new_request(t: NullTranslations, *, number: int, who: str, code: str) -> str:
    """The staff group's notice: initials and the first session's code, nothing more.

    Everyone in the group can read it: no name, phone or answer, and no treatment (next to
    initials, a treatment can reveal a condition; even the number of sessions can hint at one).
    """
    return t.gettext(
        "New request #{number} from {who}, first session {code}: see your private messages."
    ).format(
        number=number,
        who=escape(who or t.gettext("a patient")),
        code=f"<code>{escape(code)}</code>",
    )


def decision_footer(t: NullTranslations, *, state: str, staff_name: str, at: datetime) -> str:
    """Added to a request notice once it is decided: what, by whom, when (clinic time)."""
    return t.gettext("✅ {state} by {name} at {time}").format(
        state=state_name(t, state).capitalize(), name=escape(staff_name), time=clock_label(at)
    )


def already_decided(
    t: NullTranslations, *, state: str, staff_name: str | None, at: datetime | None
) -> str:
    """Told to the staff member whose press lost: 'Already confirmed by Rita at 10:42'."""
    if staff_name is None or at is None:
        return t.gettext("This request is already {state}.").format(state=state_name(t, state))
    return t.gettext("Already {state} by {name} at {time}.").format(
        state=state_name(t, state), name=escape(staff_name), time=clock_label(at)
    )


def changed_meanwhile(t: NullTranslations, *, staff_name: str, at: datetime) -> str:
    """Told when the request changed after the staff member last saw it."""
    return t.gettext("{name} changed this request at {time}: here it is as it is now.").format(
        name=escape(staff_name), time=clock_label(at)
    )


def ask_decline_reason(t: NullTranslations, course_id: int) -> str:
    """The question after Decline."""
    return t.gettext("Why is request #{id} declined? The patient will read the reason.").format(
        id=course_id
    )


def type_decline_reason(t: NullTranslations, course_id: int) -> str:
    """The ForceReply prompt for a typed reason."""
    return t.gettext(
        "Reply to this message with the reason for declining request #{id}. "
        "The patient will read it as you write it."
    ).format(id=course_id)


def editing_heading(t: NullTranslations) -> str:
    """Above the sessions while staff change a request."""
    return t.gettext(
        "<b>Change the request</b>: move a session (the later ones follow the treatment's "
        "rules) or change the number of sessions, then confirm."
    )


def choose_day(t: NullTranslations, *, position: int) -> str:
    """Above the days a session can move to."""
    return t.gettext("Session {k}: choose a new day.").format(k=position)


def choose_time(t: NullTranslations, language: str, *, position: int, day: date) -> str:
    """Above the times of the chosen day."""
    return t.gettext("Session {k} on {day}: choose a time.").format(
        k=position, day=day_label(day, language)
    )


def no_free_days(t: NullTranslations) -> str:
    """When a session has nowhere to go inside its window."""
    return t.gettext("No free day in this session's window. Change the others first.")


# Why the planner refused a move, by its obstacle (mesobot.scheduling.series.Obstacle), in
# the reader's words: the planner's own detail line is English, with ISO dates, for logs.
OBSTACLE_TEXTS = {
    "session_count": N_("the treatment does not allow that number of sessions"),
    "unknown_resource": N_("that practitioner or room is not in the clinic file"),
    "off_grid": N_("that time is not on the clinic's time grid"),
    "outside_opening_hours": N_("the session would not fit in the opening hours"),
    "nonexistent_time": N_("that time does not exist on the day the clocks change"),
    "too_soon": N_("it is too soon"),
    "closure": N_("the clinic is closed then"),
    "taken": N_("that time is taken"),
    "gap_to_previous": N_("it is too close to or too far from the session before"),
    "no_slot_in_window": N_("no free time is left in the session's window"),
}


def move_refused(t: NullTranslations, obstacle: str) -> str:
    """When the planner refuses a move, said by its obstacle."""
    reason = t.gettext(OBSTACLE_TEXTS.get(obstacle, N_("it does not fit the calendar")))
    return t.gettext("That move is not possible: {detail}").format(detail=escape(reason))


def stale_session(t: NullTranslations) -> str:
    """A button about a session that has changed state meanwhile."""
    return t.gettext("This session has changed meanwhile: see /agenda.")


# -- to the patient ----------------------------------------------------------------------


def course_confirmed(
    t: NullTranslations, *, clinic: str, treatment: str, appointment_lines: list[str]
) -> str:
    """The patient's confirmation, with every session."""
    return "\n".join(
        [
            t.gettext(
                "<b>Confirmed!</b> {clinic} has confirmed your {treatment} sessions:"
            ).format(clinic=escape(clinic), treatment=escape(treatment)),
            *appointment_lines,
        ]
    )


def course_declined(t: NullTranslations, *, treatment: str, reason: str) -> str:
    """The patient's decline, with the reason (already escaped or translated)."""
    return t.gettext(
        "Sorry, the clinic could not accept your request for {treatment}: {reason}\n\n"
        "You can book again at any time with /start."
    ).format(treatment=escape(treatment), reason=reason)


def course_expired(t: NullTranslations, *, treatment: str, clinic_phone: str) -> str:
    """The patient's notice that nobody decided in time."""
    return t.gettext(
        "Sorry, the clinic could not answer your request for {treatment} in time, so it has "
        "lapsed and the times are free again. You can book again with /start, or call "
        "{phone}."
    ).format(treatment=escape(treatment), phone=escape(clinic_phone))


def sessions_moved(t: NullTranslations, *, moves: list[str]) -> str:
    """The patient's notice that the clinic moved sessions."""
    return "\n".join([t.gettext("The clinic has moved your sessions:"), *moves])


def move_line(
    t: NullTranslations, language: str, *, before: datetime, after_day: date, after: time
) -> str:
    """One moved session, old time to new time (clinic time)."""
    return t.gettext("{old} → <b>{new}</b>").format(
        old=moment_label(before.date(), before.time(), language),
        new=moment_label(after_day, after, language),
    )


def session_cancelled(t: NullTranslations, language: str, *, day: date, at: time) -> str:
    """The patient's notice that the clinic cancelled a session."""
    return t.gettext(
        "The clinic has cancelled your session on {day} at {time}. "
        "For a new date, call the clinic or use /start."
    ).format(day=day_label(day, language), time=clock_label(at))


# -- commands ----------------------------------------------------------------------------


def staff_command_descriptions(t: NullTranslations) -> list[tuple[str, str]]:
    """The command menu only staff see: (command, one-line description)."""
    _ = t.gettext
    return [
        ("pending", _("Requests awaiting a decision, oldest first")),
        ("agenda", _("The day's sessions: /agenda [YYYY-MM-DD]")),
        ("week", _("Sessions of the next 7 days")),
        ("block", _("Close a day: /block YYYY-MM-DD [HH:MM-HH:MM] [reason]")),
        ("unblock", _("Reopen a day: /unblock YYYY-MM-DD")),
        ("patient", _("A patient: /patient name, @username or id")),
        ("session", _("A session by its code: /session CODE")),
        ("reports", _("Reaction reports that are still open")),
        ("waitlist", _("Patients waiting for a place, oldest first")),
        ("calendar", _("The next 30 days' sessions, as a calendar file")),
        ("start", _("Start, or see the treatments")),
        ("language", _("Choose the language I write to you in")),
        ("help", _("What this bot can do")),
    ]
