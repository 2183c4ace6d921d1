"""Texts of /clinic and of asking for a call: where the clinic is, when it is open, and how
to reach a person."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from gettext import NullTranslations

from babel.dates import format_date

from mesobot.texts import escape


def weekday_name(day_number: int, language: str) -> str:
    """A weekday's name, Monday being 0 ("Monday", "lunes")."""
    return format_date(date(2024, 1, 1 + day_number), "EEEE", locale=language)


def hours_text(t: NullTranslations, ranges: Sequence[str]) -> str:
    """One day's opening hours ("09:00-13:00, 15:00-19:00"), or closed."""
    return ", ".join(ranges) if ranges else t.gettext("closed")


def clinic_card(
    t: NullTranslations,
    *,
    name: str,
    address: str,
    phone: str,
    week: Sequence[tuple[str, str]],
    today: str,
) -> str:
    """/clinic: the address, the phone, today's hours and the week's (all from the clinic file;
    `week` holds (weekday, hours) pairs already in the reader's language)."""
    _ = t.gettext
    lines = [f"<b>{escape(name)}</b>"]
    if address:
        lines.append(f"📍 {escape(address)}")
    if phone:
        lines.append(f"📞 {escape(phone)}")
    lines += ["", _("<b>Today:</b> {hours}").format(hours=today), "", _("<b>Opening hours</b>")]
    lines += [f"{escape(day)}: {hours}" for day, hours in week]
    return "\n".join(lines)


def talk_label(t: NullTranslations) -> str:
    """The button that asks the clinic to call."""
    return t.gettext("📞 Talk to a person")


def call_requested(t: NullTranslations, *, phone: str, staff: bool) -> str:
    """After Talk to a person: the number to call, and whether someone will call back."""
    _ = t.gettext
    if not staff:
        return _("You can call the clinic on {phone}.").format(phone=escape(phone or "—"))
    return _(
        "I have asked the clinic to call you back. If it is urgent, call them on {phone}."
    ).format(phone=escape(phone or "—"))


def staff_call_request(t: NullTranslations, *, patient: str, phone: str | None) -> str:
    """To each staff member, privately: a patient asked to be called (`patient` is HTML, a
    link to their chat)."""
    _ = t.gettext
    if not phone:
        return _(
            "📞 {patient} asked to talk to a person. They have given no phone number: write "
            "to them in Telegram."
        ).format(patient=patient)
    return _("📞 {patient} asked to be called: {phone}.").format(
        patient=patient, phone=escape(phone)
    )
