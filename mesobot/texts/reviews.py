"""Texts of the six-week review (blepharoplasty's second session); values come escaped."""

from __future__ import annotations

from gettext import NullTranslations


def review_labels(t: NullTranslations) -> tuple[str, str]:
    """The review's two buttons (at most 32 characters)."""
    return t.gettext("Add the second session"), t.gettext("Not needed")


def review(
    t: NullTranslations,
    *,
    patient: str,
    treatment: str,
    done: str,
    first: str,
    last: str,
    decision: str | None,
) -> str:
    """To staff: does this patient need a second session? With what was decided, if it was."""
    _ = t.gettext
    lines = [
        _("<b>Six-week review</b>: {patient}, {treatment}, session done on {done}.").format(
            patient=patient, treatment=treatment, done=done
        ),
        _("A second session would fall between {first} and {last}.").format(
            first=first, last=last
        ),
    ]
    if decision == "added":
        lines.append(_("Second session added: the patient is choosing a time."))
    elif decision == "booked":
        lines.append(_("Second session added and requested by the patient."))
    elif decision == "not_needed":
        lines.append(_("No second session needed."))
    else:
        lines.append(_("Does the patient need a second session?"))
    return "\n".join(lines)


def decided(t: NullTranslations, *, add: bool) -> str:
    """The short answer on the pressed button."""
    if add:
        return t.gettext("Second session added; the patient is asked to choose a time.")
    return t.gettext("Saved: no second session.")


def second_session_offer(t: NullTranslations, *, treatment: str, first: str, last: str) -> str:
    """To the patient: the practitioner advises a second session; choose its time."""
    return t.gettext(
        "Your practitioner advises a second {treatment} session. It should be between {first} "
        "and {last}. Tap the button to choose a time; the clinic will then confirm it."
    ).format(treatment=treatment, first=first, last=last)


def choose_time_label(t: NullTranslations) -> str:
    """The button under the offer (at most 32 characters)."""
    return t.gettext("Choose a time")


def window_heading(t: NullTranslations, *, month: str, first: str, last: str) -> str:
    """Above the calendar of the second session (values escaped)."""
    return t.gettext(
        "<b>Choose the date of your second session</b> ({month})\nIt can be from {first} to "
        "{last}."
    ).format(month=month, first=first, last=last)


def offer_gone(t: NullTranslations) -> str:
    """The offer's button when the second session was already requested or is not offered."""
    return t.gettext(
        "This second session is already requested or no longer offered. See /appointments."
    )
