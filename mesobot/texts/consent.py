"""Texts of /consent: the consent given, withdrawing it, and giving it again."""

from __future__ import annotations

from gettext import NullTranslations


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
