"""Fixed texts staff read about care: report alerts and their additions, /reports, the
group's notices. Every value is escaped by the caller unless a parameter says otherwise."""

from __future__ import annotations

from datetime import date, time
from gettext import NullTranslations

from mesobot.texts import escape
from mesobot.texts.dates import clock_label, day_label


def alert_buttons(t: NullTranslations) -> tuple[str, str]:
    """Buttons of a staff alert."""
    _ = t.gettext
    return _("Acknowledge"), _("I'll call the patient")


def report_buttons(t: NullTranslations) -> tuple[str, str, str]:
    """Buttons of a report in /reports."""
    _ = t.gettext
    return _("Acknowledge"), _("Contact patient"), _("Close")


def group_notice(t: NullTranslations, *, report_id: int, code: str | None) -> str:
    """The staff group's notice: the report's number and its session's code, only where to look.

    No initials either, unlike a new request's notice: that someone reported a reaction is
    itself health data, and staff need nothing more here to tell reports apart.
    """
    _ = t.gettext
    if code is None:
        return _("Report #{number} needs a member of staff: see your private messages.").format(
            number=report_id
        )
    return _(
        "Report #{number} (session {code}) needs a member of staff: see your private messages."
    ).format(number=report_id, code=f"<code>{escape(code)}</code>")


def silence_alert(
    t: NullTranslations, *, patient: str, phone: str, treatment: str, date: str
) -> str:
    """Tells staff that a patient left two check-ins in a row unanswered."""
    _ = t.gettext
    return _(
        "<b>No answer to two check-ins</b> from {patient} (phone {phone}) after the "
        "{treatment} session of {date}. Please consider contacting them."
    ).format(patient=patient, phone=escape(phone), treatment=escape(treatment), date=escape(date))


def staff_only(t: NullTranslations) -> str:
    """Refusal for a non-staff user."""
    _ = t.gettext
    return _("This is for the clinic's staff.")


def close_prompt(t: NullTranslations, *, report_id: int) -> str:
    """Asks staff for the closing note (ForceReply: works in groups with privacy mode)."""
    _ = t.gettext
    return _("Reply to this message with a note to close report #{number}.").format(
        number=report_id
    )


def no_open_reports(t: NullTranslations) -> str:
    """/reports with nothing open."""
    _ = t.gettext
    return _("No open reports.")


def staff_alert(
    t: NullTranslations,
    *,
    report_id: int,
    severity: str,
    round_number: int,
    max_rounds: int,
    patient: str,
    phone: str,
    appointment: str,
    signs: list[str],
    emergency_advised: bool,
    answers: str,
    description: str | None,
    photo: bool,
    state: str,
) -> str:
    """A report as staff see it (privately): every value already escaped by the caller."""
    _ = t.gettext
    lines = [
        _("<b>Reaction report #{number}</b>, severity: <b>{severity}</b>").format(
            number=report_id, severity=severity
        )
    ]
    if round_number > 0:
        lines.append(
            _("Not acknowledged yet: sent again ({round} of {rounds}).").format(
                round=round_number, rounds=max_rounds
            )
        )
    lines.append(_("Patient: {patient}, phone {phone}").format(patient=patient, phone=phone))
    lines.append(_("Session: {session}").format(session=appointment))
    lines += [_("Sign: {sign}").format(sign=sign) for sign in signs]
    if emergency_advised:
        lines.append(_("The patient was told to call emergency services first."))
    if answers:
        lines.append(_("Check-in answers: {answers}").format(answers=answers))
    if description:
        lines.append(_("Description: {text}").format(text=description))
    if photo:
        lines.append(_("Photo attached."))
    lines.append(_("State: {state}").format(state=state))
    return "\n".join(lines)


def staff_addition(t: NullTranslations, *, report_id: int, patient: str) -> str:
    """Additions queued before digests named theirs: only where to read them."""
    _ = t.gettext
    return _("The patient {patient} added to report #{number}: see /reports.").format(
        patient=patient, number=report_id
    )


def addition_line(
    t: NullTranslations, *, at: str, text: str | None, photo: bool, repeated: str | None
) -> str:
    """One addition in a digest or in /reports: when, and what (all escaped by the caller)."""
    _ = t.gettext
    parts = [f"<b>{at}</b>"]
    if repeated is not None:
        parts.append(_("reported again: {sign}").format(sign=repeated))
    if photo:
        parts.append(_("📷 photo"))
    if text:
        parts.append(text)
    return " · ".join(parts)


def continued_in_reports(t: NullTranslations) -> str:
    """Ends a text cut short: the whole of it is in /reports."""
    _ = t.gettext
    return _("(continued in /reports)")


def additions_digest(
    t: NullTranslations,
    *,
    report_id: int,
    patient: str,
    lines: list[str],
    left_out: int,
    photos: int,
    last_of_hour: bool,
) -> str:
    """What a patient added to a report since the last digest, for staff privately."""
    _ = t.gettext
    text = [
        _("<b>Report #{number}</b>: the patient {patient} added").format(
            number=report_id, patient=patient
        ),
        *lines,
    ]
    if left_out:
        text.append(_("… and {count} more: see /reports.").format(count=left_out))
    if photos > 1:
        text.append(
            _("{count} photos: the latest is shown, all of them in /reports.").format(count=photos)
        )
    if last_of_hour:
        text.append(_("Further additions within the hour go to /reports only."))
    return "\n".join(text)


def additions_summary(t: NullTranslations, *, count: int, photos: int) -> str:
    """Under a report in /reports: how much the patient added since (the button shows it)."""
    _ = t.gettext
    return t.ngettext(
        "Added by the patient since: {count} ({photos} photo).",
        "Added by the patient since: {count} ({photos} photos).",
        photos,
    ).format(count=count, photos=photos)


def additions_button(t: NullTranslations, *, count: int) -> str:
    """The /reports button that shows every addition to a report."""
    _ = t.gettext
    return _("Additions ({count})").format(count=count)


def additions_heading(t: NullTranslations, *, report_id: int) -> str:
    """Heads every addition to a report, listed on request from /reports."""
    _ = t.gettext
    return _("<b>Everything added to report #{number}</b>").format(number=report_id)


def latest_photos(t: NullTranslations, *, shown: int, total: int) -> str:
    """Says which photos follow, when not all of them do."""
    _ = t.gettext
    return _("The latest {shown} of {total} photos follow.").format(shown=shown, total=total)


def check_in_answer_names(t: NullTranslations) -> tuple[str, str, str]:
    """How staff read the three check-in answers."""
    _ = t.gettext
    return _("all fine"), _("mild, expected effects"), _("something unusual")


def severity_name(t: NullTranslations, severity: str) -> str:
    """A report's severity in words, from the clinic file's level (low to emergency)."""
    _ = t.gettext
    names = {
        "low": _("low"),
        "moderate": _("moderate"),
        "high": _("high"),
        "emergency": _("emergency"),
    }
    return names.get(severity, severity)


def no_session(t: NullTranslations) -> str:
    """A report from a patient without a session on record."""
    _ = t.gettext
    return _("no session on record")


def report_state_name(t: NullTranslations, state: str) -> str:
    """A report's state in words."""
    _ = t.gettext
    names = {
        "open": _("open, not acknowledged"),
        "acknowledged": _("acknowledged"),
        "closed": _("closed"),
    }
    return names.get(state, state)


def acknowledged_by_other(t: NullTranslations) -> str:
    """Pressing Acknowledge on a report someone else already took."""
    _ = t.gettext
    return _("Already acknowledged by another member of staff.")


def acknowledged(t: NullTranslations, *, call: bool) -> str:
    """The answer to Acknowledge / I'll call the patient."""
    _ = t.gettext
    if call:
        return _("Acknowledged: you will call the patient; they have been told.")
    return _("Acknowledged; the patient has been told that staff have seen it.")


def contact_card(t: NullTranslations, *, patient: str, phone: str) -> str:
    """How to reach a report's patient."""
    _ = t.gettext
    return _("Contact {patient}: phone {phone}, or write to them in Telegram.").format(
        patient=patient, phone=phone
    )


def report_closed(t: NullTranslations, *, report_id: int) -> str:
    """The answer to a closing note."""
    _ = t.gettext
    return _("Report #{number} is closed.").format(number=report_id)


def top_of_reports(t: NullTranslations) -> str:
    """Marks a report nobody acknowledged after every re-send."""
    _ = t.gettext
    return _("⚠️ NOBODY HAS ACKNOWLEDGED THIS REPORT")


def reschedule_asked(
    t: NullTranslations,
    language: str,
    *,
    patient: str,
    phone: str | None,
    treatment: str,
    practitioner: str,
    day: date,
    at: time,
    code: str,
) -> str:
    """To each staff member, privately: a patient answered a reminder with "I need to
    reschedule" (`patient` is HTML, a link to their chat)."""
    _ = t.gettext
    lines = [
        _("🔁 {patient} needs another date for this session:").format(patient=patient),
        f"{escape(day_label(day, language))}, {clock_label(at)} · {escape(treatment)}"
        f" · {escape(practitioner)} · <code>{escape(code)}</code>",
        _("Phone: {phone}").format(phone=escape(phone)) if phone else _("Phone: not given yet"),
        _(
            "They may choose a new date in /appointments; if they do not, call them. The "
            "session stays booked until it is moved or cancelled."
        ),
    ]
    return "\n".join(lines)
