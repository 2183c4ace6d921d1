"""Texts of /mydata: the summary of what is stored, and staff's Export under /patient."""

from __future__ import annotations

from gettext import NullTranslations

from mesobot.i18n import N_
from mesobot.privacy.export import StoredCounts
from mesobot.privacy.settings import RetentionSettings
from mesobot.texts import escape

# What each kind of staff access let them see, as the patient reads it.
ACCESS_NAMES = {
    "view:patient": N_("your profile, sessions and answers"),
    "view:request": N_("your booking request"),
    "view:reports": N_("your reaction reports"),
    "view:contact": N_("your phone number, to call you"),
    "export:patient": N_("a copy of all your data"),
}


def nothing_stored(t: NullTranslations) -> str:
    """/mydata from someone the bot keeps nothing about (never met, or erased)."""
    return t.gettext("I have nothing stored about you.")


def stored_lines(t: NullTranslations, counts: StoredCounts) -> list[str]:
    """What is stored, with the name and phone themselves and counts of the rest."""
    _ = t.gettext
    return [
        _("<b>Your data</b>"),
        _("All of it, field by field, is in the file that follows this message."),
        "",
        _("<b>What I keep about you</b>"),
        _("• Name: {name}").format(name=escape(counts.name or "—")),
        _("• Phone: {phone}").format(phone=escape(counts.phone or "—")),
        _("• Your language, your Telegram id and username, and your consent history"),
        _("• Treatments: {courses}, sessions: {sessions}").format(
            courses=counts.courses, sessions=counts.sessions
        ),
        _("• Health questionnaires answered: {count}").format(count=counts.questionnaires),
        _("• Reaction reports: {reports}, photos: {photos}").format(
            reports=counts.reports, photos=counts.photos
        ),
        _("• Check-in answers: {count}").format(count=counts.check_ins),
        _("• Messages sent or waiting to be sent to you: {count}").format(count=counts.messages),
        _("• Unfinished bookings: {count}").format(count=counts.drafts),
    ]


def why_and_how_long_lines(t: NullTranslations, retention: RetentionSettings) -> list[str]:
    """Why the clinic keeps it, and each limit of the clinic file's retention."""
    _ = t.gettext
    return [
        "",
        _("<b>Why</b>"),
        _(
            "To book your sessions and tell the clinic about them, to remind you of them, to "
            "look after you between them, and because the law asks the clinic to keep a record "
            "of the treatment it gives."
        ),
        "",
        _("<b>For how long</b>"),
        t.ngettext(
            "• The record of sessions given and reactions reported: {years} year after your "
            "last session",
            "• The record of sessions given and reactions reported: {years} years after your "
            "last session",
            retention.clinical_record_years,
        ).format(years=retention.clinical_record_years),
        t.ngettext(
            "• Photos and descriptions of a reaction: {days} day after the report is closed",
            "• Photos and descriptions of a reaction: {days} days after the report is closed",
            retention.photo_days,
        ).format(days=retention.photo_days),
        t.ngettext(
            "• Messages to you: {days} day after they were sent",
            "• Messages to you: {days} days after they were sent",
            retention.delivered_message_days,
        ).format(days=retention.delivered_message_days),
        t.ngettext(
            "• Unfinished bookings: {days} day after they expire",
            "• Unfinished bookings: {days} days after they expire",
            retention.draft_days,
        ).format(days=retention.draft_days),
        t.ngettext(
            "• What the clinic's staff did and looked at: {years} year",
            "• What the clinic's staff did and looked at: {years} years",
            retention.audit_years,
        ).format(years=retention.audit_years),
        _("• Your name, phone and the rest: until you delete them with /forget"),
    ]


def access_lines(t: NullTranslations, accesses: list[tuple[str, str, str]]) -> list[str]:
    """Who at the clinic looked at the patient's data and when: (when, who, action) each."""
    _ = t.gettext
    lines = ["", _("<b>Who at the clinic looked at your data</b>")]
    if not accesses:
        return [*lines, _("No one, as far as my records go.")]
    for when, who, action in accesses:
        what = t.gettext(ACCESS_NAMES[action]) if action in ACCESS_NAMES else action
        lines.append(f"• {when} {escape(who)}: {escape(what)}")
    return lines


def choice_lines(t: NullTranslations) -> list[str]:
    """What the patient can do about it."""
    return [
        "",
        t.gettext(
            "/consent withdraws your consent (no more tips, check-ins or bookings); /forget "
            "deletes your data."
        ),
    ]


def file_caption(t: NullTranslations) -> str:
    """The caption of the JSON file /mydata sends."""
    return t.gettext("Everything I keep about you, as a JSON file.")


def export_button(t: NullTranslations, *, patient_id: int) -> str:
    """Staff's Export button under /patient."""
    return t.gettext("Export #{number}").format(number=patient_id)


def staff_file_caption(t: NullTranslations, *, patient_id: int) -> str:
    """The caption of the export staff get: health data, for this private chat only."""
    return t.gettext(
        "Everything stored about patient #{number}. It holds health data: do not forward it."
    ).format(number=patient_id)


def staff_nothing_to_export(t: NullTranslations, *, patient_id: int) -> str:
    """Export pressed for a patient since erased (or gone)."""
    return t.gettext("Patient #{number} has nothing to export any more.").format(number=patient_id)
