"""Telegram handlers, one module per feature, registered in one ordered list."""

from __future__ import annotations

from mesobot.handlers import calendar, care, care_reports, errors, outbox, start
from mesobot.services import MesobotApplication


def register_handlers(application: MesobotApplication) -> None:
    """Register every feature's handlers; earlier groups see an update first."""
    # Group 0: commands and buttons. The order inside a group matters only where two handlers
    # could match the same update; the comment by each entry says when that is.
    application.add_handlers(start.HANDLERS, group=0)
    # /calendar: one command for patients and staff (it checks is_staff itself).
    application.add_handlers(calendar.HANDLERS, group=0)
    # Care: reminder and check-in answers, /notifications, /report and staff's /reports. Their
    # buttons match only their own "c" kinds, so their place in the group does not matter.
    application.add_handlers(care.HANDLERS, group=0)
    application.add_handlers(care_reports.HANDLERS, group=0)
    # Group 1: bookkeeping that must see its updates whatever group 0 did with them.
    application.add_handlers(outbox.HANDLERS, group=1)
    # Group 2: photos and replies that add to a reaction report, and staff's closing notes.
    # Apart from group 0, so that another feature's text handler cannot swallow them; they
    # ignore whatever is not theirs.
    application.add_handlers(care_reports.DETAIL_HANDLERS, group=2)
    application.add_error_handler(errors.on_error)
