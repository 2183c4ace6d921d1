"""The bot's fixed texts, kept apart from the handlers. Every value from a user is escaped."""

from __future__ import annotations

import html
from gettext import NullTranslations


def escape(value: object) -> str:
    """A user-provided value made safe for Telegram's HTML parse mode."""
    return html.escape(str(value), quote=True)


def welcome(t: NullTranslations, *, first_name: str, clinic_name: str) -> str:
    """The answer to /start."""
    _ = t.gettext
    return _(
        "Hello, {name}! I am the assistant of <b>{clinic}</b>.\n\n"
        "I can tell you about our mesotherapy treatments, book a treatment, remind you "
        "of your sessions and help you after each session.\n\n"
        "I do not give medical advice: for anything about your health, the clinic's staff "
        "will answer you in person."
    ).format(name=escape(first_name), clinic=escape(clinic_name))


def something_went_wrong(t: NullTranslations) -> str:
    """Told to a user when handling their message failed."""
    _ = t.gettext
    return _(
        "Sorry, something went wrong on my side. Nothing you sent is lost: please try again "
        "in a moment."
    )


def no_staff_note(t: NullTranslations, phone: str) -> str:
    """Said instead of "the clinic has been told" when no staff are configured to read the bot:
    the patient must reach the clinic some other way."""
    _ = t.gettext
    if phone:
        return _(
            "Nobody at the clinic reads this bot yet: please call the clinic on {phone}."
        ).format(phone=escape(phone))
    return _("Nobody at the clinic reads this bot yet: please contact the clinic directly.")


def send_privately(t: NullTranslations) -> str:
    """The one line a command or button gets outside a private chat: nothing more is said
    where others can read it."""
    return t.gettext("Please send this to me in a private chat.")


def command_descriptions(t: NullTranslations) -> list[tuple[str, str]]:
    """The command menu patients see: (command, one-line description)."""
    _ = t.gettext
    return [
        # A reaction first: the one thing that may not wait.
        ("report", _("Tell the clinic about an unusual reaction")),
        ("start", _("Start, or see the treatments")),
        ("appointments", _("Your sessions: move or cancel them")),
        ("calendar", _("Your sessions as a calendar file")),
        ("notifications", _("Pause or resume tips and check-ins")),
        ("clinic", _("Address, phone and opening hours")),
        ("consent", _("See, give or withdraw your consent")),
        ("mydata", _("See and download your data")),
        ("forget", _("Delete your data")),
        ("language", _("Choose the language I write to you in")),
        ("help", _("What this bot can do")),
        ("cancel", _("Leave what you are doing")),
    ]
