"""The tables. Importing this package registers every model on `SQLModel.metadata`."""

# The outbox keeps its tables in its own package; a plain import registers them without a
# circular `from` import (they import the shared helpers from mesobot.models.base).
import mesobot.calendar_delivery.models  # registers calendar_publication, as below
import mesobot.calendar_feeds.models  # the feeds' link hashes
import mesobot.care.models  # registers the reports, check-in answers and care preferences
import mesobot.inbox.models  # registers inbox_update, the webhook receivers' updates
import mesobot.outbox.models
import mesobot.privacy.models
import mesobot.staff.models  # registers the staff tables: audit, closures, prompts
import mesobot.waitlist.models  # noqa: F401  (registers the waitlist's entries, openings, offers)
from mesobot.models.base import metadata
from mesobot.models.closure_version import ClosureVersion
from mesobot.models.course import (
    Appointment,
    Course,
    CourseState,
    ResourceDay,
    SessionState,
    StateEvent,
)
from mesobot.models.draft import FlowDraft
from mesobot.models.patient import Patient

__all__ = [
    "Appointment",
    "ClosureVersion",
    "Course",
    "CourseState",
    "FlowDraft",
    "Patient",
    "ResourceDay",
    "SessionState",
    "StateEvent",
    "metadata",
]
