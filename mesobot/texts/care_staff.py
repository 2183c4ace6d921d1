"""Fixed texts staff read about care: report alerts and their additions, /reports, the
group's notices. Every value is escaped by the caller unless a parameter says otherwise."""

from __future__ import annotations

from gettext import NullTranslations

from mesobot.texts import escape


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


def staff_addition(
    t: NullTranslations, *, report_id: int, patient: str, description: str | None
) -> str:
    """A detail added to a report, for staff privately."""
    _ = t.gettext
    text = _("The patient {patient} added to report #{number}.").format(
        patient=patient, number=report_id
    )
    if description:
        text += "\n" + _("Description: {text}").format(text=description)
    return text


def check_in_answer_names(t: NullTranslations) -> tuple[str, str, str]:
    """How staff read the three check-in answers."""
    _ = t.gettext
    return _("all fine"), _("mild, expected effects"), _("something unusual")


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
