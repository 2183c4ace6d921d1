"""Texts that go with calendar files: captions for patients and staff, and /calendar's replies."""

from __future__ import annotations

from collections.abc import Sequence
from gettext import NullTranslations

from mesobot.outbox.policies import CAPTION_LIMIT, telegram_length
from mesobot.texts import escape


def new_file_caption(t: NullTranslations, *, clinic_name: str) -> str:
    """The caption of the first file of a confirmed course."""
    _ = t.gettext
    return _(
        "📅 Your sessions at <b>{clinic}</b> are confirmed. Open this file and add it to "
        "your calendar (Google, Apple, Outlook...) to keep every session there. "
        "/calendar sends it again at any time."
    ).format(clinic=escape(clinic_name))


def changed_file_caption(t: NullTranslations, *, changes: Sequence[str]) -> str:
    """The caption of an updated file: what changed, in words, and how to update a calendar."""
    _ = t.gettext
    head = _("📅 <b>Your sessions have changed</b>")
    tail = _(
        "Open this file to update your calendar. If your calendar app still shows the old "
        "times, change or delete them there by hand."
    )
    if not changes:
        return f"{head}\n\n{tail}"
    lines = [f"• {escape(change)}" for change in changes]
    # Within Telegram's caption limit, however many sessions changed.
    for shown in range(len(lines), 0, -1):
        listed = lines[:shown]
        if shown < len(lines):
            more = len(lines) - shown
            listed.append(
                t.ngettext("…and {count} more change.", "…and {count} more changes.", more).format(
                    count=more
                )
            )
        text = "\n".join([head, *listed, "", tail])
        if telegram_length(text) <= CAPTION_LIMIT:
            return text
    return f"{head}\n\n{tail}"


def resent_file_caption(t: NullTranslations) -> str:
    """The caption of the file /calendar sends again."""
    _ = t.gettext
    return _(
        "📅 Your current sessions. Opening this file updates the ones already in your "
        "calendar; cancelled sessions are marked as cancelled."
    )


def no_calendar_yet(t: NullTranslations) -> str:
    """/calendar from a patient who has no confirmed appointment to come."""
    _ = t.gettext
    return _(
        "You have no confirmed sessions to come. Once the clinic confirms your sessions, "
        "I will send you a calendar file."
    )


def staff_file_caption(t: NullTranslations, *, session_count: int, days: int) -> str:
    """The caption of the staff's calendar file."""
    _ = t.gettext
    text = t.ngettext(
        "📅 {count} session in the next {days} days.",
        "📅 {count} sessions in the next {days} days.",
        session_count,
    ).format(count=session_count, days=days)
    return text + " " + _("Patients' initials and session codes only: details are in the bot.")


def staff_no_sessions(t: NullTranslations, *, days: int) -> str:
    """The staff's /calendar when nothing is booked."""
    return t.ngettext(
        "No confirmed sessions in the next {days} day.",
        "No confirmed sessions in the next {days} days.",
        days,
    ).format(days=days)
