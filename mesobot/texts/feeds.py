"""Texts of calendar feeds: the names calendar apps show, the link's button and its replies."""

from __future__ import annotations

from gettext import NullTranslations

from mesobot.texts import escape


def patient_feed_name(t: NullTranslations, *, clinic_name: str) -> str:
    """The name of a patient's subscribed calendar, as their calendar app lists it."""
    return t.gettext("{clinic}: my sessions").format(clinic=clinic_name)


def staff_feed_name(t: NullTranslations, *, clinic_name: str) -> str:
    """The name of the staff's subscribed calendar."""
    return t.gettext("{clinic}: staff calendar").format(clinic=clinic_name)


def link_button(t: NullTranslations) -> str:
    """The button under /calendar's reply that asks for a subscription link."""
    return t.gettext("🔗 Subscription link")


def replace_button(t: NullTranslations) -> str:
    """The button that replaces an existing link with a new one."""
    return t.gettext("🔄 Make a new link")


def patient_link(t: NullTranslations, *, url: str, webcal: str) -> str:
    """A patient's new subscription link, with its webcal:// form and how to keep it."""
    _ = t.gettext
    return _(
        "🔗 <b>Your calendar subscription</b>\n\n"
        "Add this address to your calendar app (Google, Apple, Outlook...) as a calendar "
        "from the internet: your sessions stay up to date there, changes and cancellations "
        "included, within a few hours.\n<code>{url}</code>\n\n"
        "On an iPhone, iPad or Mac, this form opens the subscription directly:\n"
        "<code>{webcal}</code>\n\n"
        "Keep it private: anyone with this link sees the days and times of your sessions. "
        "If you shared it by mistake, ask for a new one with /calendar: this one then stops "
        "working."
    ).format(url=escape(url), webcal=escape(webcal))


def staff_link(t: NullTranslations, *, url: str, webcal: str, days: int) -> str:
    """A staff member's new link to the clinic's feed."""
    return t.ngettext(
        "🔗 <b>The clinic's calendar subscription</b>\n\n"
        "The next {days} day, with patients' initials and session codes only. Add this "
        "address to your calendar app as a calendar from the internet:\n<code>{url}</code>\n\n"
        "Or, on an iPhone, iPad or Mac:\n<code>{webcal}</code>\n\n"
        "Keep it to yourself. A new link from /calendar stops this one, and so does leaving "
        "the staff list.",
        "🔗 <b>The clinic's calendar subscription</b>\n\n"
        "The next {days} days, with patients' initials and session codes only. Add this "
        "address to your calendar app as a calendar from the internet:\n<code>{url}</code>\n\n"
        "Or, on an iPhone, iPad or Mac:\n<code>{webcal}</code>\n\n"
        "Keep it to yourself. A new link from /calendar stops this one, and so does leaving "
        "the staff list.",
        days,
    ).format(url=escape(url), webcal=escape(webcal), days=days)


def link_exists(t: NullTranslations, *, created: str) -> str:
    """Asked again for a link that exists: it cannot be shown again, only replaced."""
    _ = t.gettext
    return _(
        "You already have a subscription link, made on {day}. I keep only a fingerprint of "
        "it, so I cannot show it again.\n\n"
        "Make a new link if you lost it or shared it by mistake: the old one stops working "
        "at once, and every calendar subscribed to it must be given the new one."
    ).format(day=escape(created))


def no_patient_record(t: NullTranslations) -> str:
    """A link asked for by someone the clinic has no record of."""
    _ = t.gettext
    return _("Book a session first: your subscription link will then show your sessions.")
