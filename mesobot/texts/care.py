"""Fixed texts patients read of care between sessions: buttons, prompts, answers (staff's are
in mesobot.texts.care_staff). Clinic-specific care texts (reminder, preparation, aftercare,
check-in question, emergency advice, signs) are in the clinic file's `[care]` section instead."""

from __future__ import annotations

from datetime import timedelta
from gettext import NullTranslations

from mesobot.texts import escape, no_staff_note


def late_note(t: NullTranslations, late_by: timedelta) -> str:
    """Added to a message that goes later than planned, so the patient reads it rightly."""
    _ = t.gettext
    hours = int(late_by / timedelta(hours=1))
    if hours < 1:
        return _("<i>(This message is a little late, sorry.)</i>")
    if hours < 48:
        return t.ngettext(
            "<i>(Sorry: this message should have reached you {hours} hour ago.)</i>",
            "<i>(Sorry: this message should have reached you {hours} hours ago.)</i>",
            hours,
        ).format(hours=hours)
    return t.ngettext(
        "<i>(Sorry: this message should have reached you {days} day ago.)</i>",
        "<i>(Sorry: this message should have reached you {days} days ago.)</i>",
        hours // 24,
    ).format(days=hours // 24)


def reminder_buttons(t: NullTranslations) -> tuple[str, str]:
    """The two answers to a reminder."""
    _ = t.gettext
    return _("I'll be there"), _("I need to move it")


def reminder_answered(
    t: NullTranslations, *, attending: bool, no_staff_phone: str | None = None
) -> str:
    """The reply to a reminder's button; `no_staff_phone` (no staff configured): nobody will
    read the answer in /agenda, so the patient is not told the clinic knows."""
    _ = t.gettext
    if attending:
        return _("Thank you! We look forward to seeing you.")
    if no_staff_phone is not None:
        return " ".join(
            [
                _("Thank you. Use /appointments to choose a new date."),
                no_staff_note(t, no_staff_phone),
            ]
        )
    return _(
        "Thank you for telling us. Use /appointments to choose a new date; the clinic has "
        "been told."
    )


def reminder_gone(t: NullTranslations) -> str:
    """A reminder's button pressed after the session was moved, cancelled or held."""
    _ = t.gettext
    return _("This session has changed since this reminder; see /appointments.")


def early_preparation(
    t: NullTranslations, *, treatment: str, date: str, time: str, days: int | None
) -> str:
    """Heads the treatment's preparation sent early (values already escaped): at confirmation
    (`days` None), or `days` days before the session."""
    if days is None:
        return t.gettext(
            "<b>Getting ready for your {treatment} session</b> on {date} at {time}. Please read "
            "this now: some of it takes a few days to arrange."
        ).format(treatment=treatment, date=date, time=time)
    return t.ngettext(
        "<b>Your {treatment} session is in {days} day</b>, on {date} at {time}. A reminder "
        "of how to get ready:",
        "<b>Your {treatment} session is in {days} days</b>, on {date} at {time}. A reminder "
        "of how to get ready:",
        days,
    ).format(treatment=treatment, date=date, time=time, days=days)


def check_in_buttons(t: NullTranslations) -> tuple[str, str, str]:
    """The three answers to a check-in."""
    _ = t.gettext
    return _("All fine"), _("Mild, expected effects"), _("Something unusual")


def healing_time(t: NullTranslations, days: int) -> str:
    """How long a treatment's usual effects last, as a sentence (its `side_effects_usual_days`
    in weeks): one to two weeks for most, longer for blepharoplasty."""
    weeks = -(-days // 7)
    if weeks <= 2:
        return t.gettext("These usually settle on their own within one to two weeks.")
    return t.ngettext(
        "These can take up to {weeks} week to settle on their own.",
        "These can take up to {weeks} weeks to settle on their own.",
        weeks,
    ).format(weeks=weeks)


def check_in_thanks(t: NullTranslations, *, mild: bool, healing: str) -> str:
    """The reply to All fine or Mild; `healing` is the treatment's `healing_time`."""
    _ = t.gettext
    if mild:
        return " ".join(
            [
                _("Thank you."),
                escape(healing),
                _("If anything gets worse or looks unusual, send /report at any time."),
            ]
        )
    return _("Thank you, glad to hear it!")


def choose_sign(
    t: NullTranslations,
    *,
    staffed: bool = True,
    emergency: str | None = None,
    descriptions: list[tuple[str, str]] | None = None,
) -> str:
    """The question that starts a report (it promises staff will look only when there are):
    the emergency advice first (HTML, already filled in), then each sign's label and longer
    description (both HTML, escaped), in the order of the buttons below."""
    _ = t.gettext
    if not staffed:
        question = _("I am sorry you have something unusual. What do you see? Choose the closest.")
    else:
        question = _(
            "I am sorry you have something unusual. What do you see? Choose the closest; the "
            "clinic's staff will look at it."
        )
    parts = [f"<b>{emergency}</b>"] if emergency else []
    parts.append(question)
    lines = [f"• <b>{label}</b>: {text}" for label, text in descriptions or []]
    if lines:
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def add_details(t: NullTranslations) -> str:
    """Asks for an optional photo and description after a sign is chosen."""
    _ = t.gettext
    return _(
        "If you can, send a photo of the area, and reply to this message with a few words "
        "about what you see and since when."
    )


def report_received(
    t: NullTranslations,
    *,
    open_now: bool,
    opens: str | None,
    phone: str,
    emergency_phone: str,
    no_staff_phone: str | None = None,
) -> str:
    """What happens next, honestly: now, or when the clinic opens and whom to call meanwhile;
    with no staff configured, that nobody will read it here (`no_staff_phone`)."""
    _ = t.gettext
    if no_staff_phone is not None:
        return " ".join(
            [
                _("Your report is stored."),
                no_staff_note(t, no_staff_phone),
                _worried(t, emergency_phone),
            ]
        )
    if open_now:
        return _(
            "The clinic's staff have your report now and will contact you shortly. If it gets "
            "worse, call the clinic on {phone}."
        ).format(phone=escape(phone))
    if opens is None:
        return " ".join(
            [
                _(
                    "The clinic is closed now. Your report is stored and staff will see it as "
                    "soon as they are back."
                ),
                _worried(t, emergency_phone),
            ]
        )
    return " ".join(
        [
            _(
                "The clinic is closed now: staff will see your report when it opens, {opens}."
            ).format(opens=escape(opens)),
            _worried(t, emergency_phone),
        ]
    )


def _worried(t: NullTranslations, emergency_phone: str) -> str:
    """Whom to call meanwhile: the emergency number only if the clinic file gives one."""
    _ = t.gettext
    if not emergency_phone:
        return _(
            "Meanwhile, if it gets worse or you are worried, call your doctor or emergency "
            "services; do not wait for us."
        )
    return _(
        "Meanwhile, if it gets worse or you are worried, call your doctor or emergency "
        "services ({emergency}); do not wait for us."
    ).format(emergency=escape(emergency_phone))


def detail_added(t: NullTranslations, *, no_staff_phone: str | None = None) -> str:
    """The reply to a photo or description added to a report."""
    _ = t.gettext
    if no_staff_phone is not None:
        return " ".join(
            [_("Thank you, it is stored with your report."), no_staff_note(t, no_staff_phone)]
        )
    return _("Thank you, the clinic's staff have it with your report.")


def no_report_to_add_to(t: NullTranslations) -> str:
    """A photo arrived with no report to attach it to."""
    _ = t.gettext
    return _("To show the clinic a reaction, send /report first, then the photo.")


def no_show(t: NullTranslations, *, date: str) -> str:
    """Offered to a patient marked as not attending."""
    _ = t.gettext
    return _(
        "We missed you at your session on {date}. Use /appointments to choose a new date."
    ).format(date=escape(date))


def staff_will_call(t: NullTranslations) -> str:
    """Told to the patient when a staff member takes their report."""
    _ = t.gettext
    return _("A member of the clinic's staff has your report and will call you shortly.")


def staff_seen(t: NullTranslations) -> str:
    """Told to the patient when a staff member acknowledges their report."""
    _ = t.gettext
    return _("The clinic's staff have seen your report and will contact you.")


def notifications_state(t: NullTranslations, *, paused: bool) -> str:
    """The answer to /notifications."""
    _ = t.gettext
    if paused:
        return _(
            "Tips and check-ins are paused. Reminders of your sessions, and anything about a "
            "reaction you reported, still come."
        )
    return _(
        "You get reminders, preparation and aftercare tips, and check-ins after each session. "
        "You can pause tips and check-ins here."
    )


def notifications_button(t: NullTranslations, *, paused: bool) -> str:
    """The button that flips the choice."""
    _ = t.gettext
    return _("Resume tips and check-ins") if paused else _("Pause tips and check-ins")
