"""Texts of consent: the text agreed to, /consent, withdrawing it, and giving it again."""

from __future__ import annotations

from gettext import NullTranslations

from mesobot.texts import escape


def consent(t: NullTranslations, *, clinic_name: str, record_years: int) -> str:
    """The consent step: everything kept and sent, why, who sees it, for how long, and the
    patient's choices. Changing it means bumping `steps.CONSENT_VERSION`."""
    _ = t.gettext
    what = _(
        "<b>Before you book</b>\n"
        "To book and to look after you between sessions, I keep:\n"
        "• your name, phone number and Telegram account;\n"
        "• your sessions, and every change to them;\n"
        "• your answers to a few health questions (allergies, pregnancy, medication, skin, "
        "earlier reactions);\n"
        "• your answers to check-ins, and any reaction you report, with its photos;\n"
        "• the messages I send you: reminders, preparation, aftercare tips and check-ins.\n"
        "<b>Why:</b> so that the practitioner can treat you safely and the clinic can reach you "
        "about a reaction.\n"
        "<b>Who sees it:</b> the staff of {clinic} only; health answers never go to group chats "
        "or calendar files."
    ).format(clinic=escape(clinic_name))
    how_long = t.ngettext(
        "<b>How long:</b> the record of sessions given and reactions reported is kept for "
        "{years} year after your last visit, as the law asks; the rest goes much sooner.",
        "<b>How long:</b> the record of sessions given and reactions reported is kept for "
        "{years} years after your last visit, as the law asks; the rest goes much sooner.",
        record_years,
    ).format(years=record_years)
    choices = _(
        "<b>Your choices:</b> /mydata shows everything kept about you, /consent withdraws "
        "this consent, /forget deletes your data.\n\n"
        "Do you agree? Without it you can still read about the treatments."
    )
    return f"{what}\n{how_long}\n{choices}"


def given(t: NullTranslations, *, date: str) -> str:
    """/consent with consent given: since when, and what withdrawing does and does not do."""
    return t.gettext(
        "<b>Your consent</b>\n"
        "You agreed on {date} to how the clinic keeps and uses your data.\n\n"
        "If you withdraw it:\n"
        "• no more aftercare tips or check-ins, and no new bookings, until you agree again;\n"
        "• your booked sessions stay, with their reminders (/appointments to change them);\n"
        "• /report stays open for an unusual reaction;\n"
        "• what the clinic must keep by law stays.\n\n"
        "/mydata shows everything kept about you; /forget deletes your data."
    ).format(date=date)


def withdraw_label(t: NullTranslations) -> str:
    """The button under /consent."""
    return t.gettext("Withdraw consent")


def withdrawn(t: NullTranslations) -> str:
    """After withdrawing."""
    return t.gettext(
        "Your consent is withdrawn. From now on you get no tips or check-ins, and you cannot "
        "book. Your booked sessions stay, and /report is always there.\n\n"
        "To agree again, send /consent."
    )


def already_withdrawn(t: NullTranslations) -> str:
    """An old Withdraw button, pressed after consent was already withdrawn."""
    return t.gettext("Your consent is already withdrawn. To agree again, send /consent.")


def not_given(t: NullTranslations) -> str:
    """/consent without consent: above the consent text."""
    return t.gettext("You have not given your consent. Here is what agreeing means.")


def care_off(t: NullTranslations) -> str:
    """/notifications while consent is withdrawn: nothing to pause or resume."""
    return t.gettext(
        "Tips and check-ins are off while your consent is withdrawn. To agree again, send "
        "/consent. Reminders of your booked sessions still come."
    )
