"""Texts of erasure: /forget for patients, Erase in /patient for staff, and staff's notice."""

from __future__ import annotations

from collections.abc import Sequence
from gettext import NullTranslations


def forget_explanation(
    t: NullTranslations, *, years: int, keep_until: str | None, future_sessions: int
) -> str:
    """What /forget deletes, what the clinic must keep and until when, what it cannot reach."""
    _ = t.gettext
    parts = [
        _("<b>Delete your data</b>"),
        _(
            "<b>Deleted at once:</b> your name, phone number and Telegram username, your "
            "Telegram id, unfinished bookings, messages not sent yet, photos, calendar files, "
            "your choice about tips and check-ins, and your consent history."
        ),
    ]
    if future_sessions:
        parts.append(
            t.ngettext(
                "Your {count} future session will be cancelled, and the clinic told.",
                "Your {count} future sessions will be cancelled, and the clinic told.",
                future_sessions,
            ).format(count=future_sessions)
        )
    if keep_until is None:
        parts.append(
            _(
                "<b>What the clinic must keep:</b> nothing. You have had no session with us, "
                "so everything about you is deleted."
            )
        )
    else:
        parts.append(
            t.ngettext(
                "<b>What the clinic must keep:</b> by law, the record of the sessions you "
                "were given and of the reactions you reported, with your name and phone, for "
                "{years} year after your last session (until {date}). Only the clinic's staff "
                "can see it. After that it is deleted too.",
                "<b>What the clinic must keep:</b> by law, the record of the sessions you "
                "were given and of the reactions you reported, with your name and phone, for "
                "{years} years after your last session (until {date}). Only the clinic's staff "
                "can see it. After that it is deleted too.",
                years,
            ).format(years=years, date=keep_until)
        )
    parts.append(
        _(
            "<b>What I cannot reach:</b> messages already delivered to the staff's chats stay "
            "there, because Telegram lets a bot delete its messages only within 48 hours."
        )
    )
    parts.append(_("This cannot be undone. Delete your data now?"))
    return "\n\n".join(parts)


def forget_buttons(t: NullTranslations) -> tuple[str, str]:
    """Confirm, and keep everything as it is."""
    _ = t.gettext
    return _("Yes, delete my data"), _("Keep my data")


def forgotten(t: NullTranslations, *, kept: bool) -> str:
    """The confirmation: the last message the bot sends the patient."""
    _ = t.gettext
    if kept:
        return _(
            "Your data has been deleted, apart from the clinical record the clinic must keep. "
            "I will not write to you again. If you send /start, you begin as a new patient."
        )
    return _(
        "Your data has been deleted. I will not write to you again. If you send /start, you "
        "begin as a new patient."
    )


def forget_kept(t: NullTranslations) -> str:
    """The patient chose to keep their data."""
    return t.gettext("Nothing was deleted.")


def nothing_to_forget(t: NullTranslations) -> str:
    """/forget from someone the bot holds nothing about (or a stale button)."""
    return t.gettext("I hold no data about you.")


# Staff


def staff_sessions_cancelled(
    t: NullTranslations, *, appointments: Sequence[tuple[str, str, str]], by_patient: bool
) -> str:
    """To each staff member: the sessions an erasure cancelled, by code, date and time only."""
    _ = t.gettext
    head = (
        _("<b>Sessions cancelled: a patient deleted their data</b>")
        if by_patient
        else _("<b>Sessions cancelled: a patient's data was erased</b>")
    )
    lines = [f"{day}, {at} <code>{code}</code>" for code, day, at in appointments]
    return "\n".join([head, *lines])


def erase_button(t: NullTranslations, *, patient_id: int) -> str:
    """The Erase button under /patient."""
    return t.gettext("Erase #{number}").format(number=patient_id)


def erase_question(t: NullTranslations, *, patient_id: int, label: str) -> str:
    """Staff's confirmation step (`label` escaped)."""
    return t.gettext(
        "Erase patient #{number} ({label})? Their future sessions are cancelled and their "
        "data deleted; only the record of sessions given stays, in the clinical identity. "
        "This cannot be undone."
    ).format(number=patient_id, label=label)


def erase_confirm_buttons(t: NullTranslations) -> tuple[str, str]:
    """Erase for good, or leave the patient as they are."""
    _ = t.gettext
    return _("Erase now"), _("Do not erase")


def staff_erased(
    t: NullTranslations, *, patient_id: int, cancelled: int, keep_until: str | None
) -> str:
    """What staff's Erase did."""
    _ = t.gettext
    if keep_until is None:
        text = _("Patient #{number} erased: nothing is kept.")
    else:
        text = _("Patient #{number} erased; their clinical record is kept until {date}.")
    done = text.format(number=patient_id, date=keep_until)
    return done + " " + _("Sessions cancelled: {count}.").format(count=cancelled)


def staff_not_erased(t: NullTranslations) -> str:
    """Staff chose not to erase."""
    return t.gettext("Not erased.")


def staff_already_erased(t: NullTranslations, *, patient_id: int) -> str:
    """A stale Erase: the patient is already erased (or gone)."""
    return t.gettext("Patient #{number} is already erased.").format(number=patient_id)


def erased_heading(t: NullTranslations, *, patient_id: int, erased_on: str) -> str:
    """/patient of an erased patient: their heading."""
    return t.gettext("<b>Erased patient</b> (#{number}, erased on {date})").format(
        number=patient_id, date=erased_on
    )


def kept_identity(t: NullTranslations, *, name: str, phone: str, keep_until: str) -> str:
    """/patient of an erased patient: the identity kept with their clinical record (escaped)."""
    return t.gettext(
        "Clinical identity (staff only): {name}, phone {phone}; kept until {date}."
    ).format(name=name, phone=phone, date=keep_until)
