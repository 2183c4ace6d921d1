"""The tables. Importing this package registers every model on `SQLModel.metadata`."""

# The outbox keeps its tables in its own package; a plain import registers them without a
# circular `from` import (they import the shared helpers from mesobot.models.base).
import mesobot.calendar_delivery.models  # registers calendar_publication, as below
import mesobot.care.models
import mesobot.outbox.models  # noqa: F401  (registers the outbox tables)
from mesobot.models.base import metadata
from mesobot.models.course import (
    Appointment,
    Course,
    CourseState,
    ResourceDay,
    SessionState,
    StateEvent,
)
from mesobot.models.patient import Patient

__all__ = [
    "Appointment",
    "Course",
    "CourseState",
    "Patient",
    "ResourceDay",
    "SessionState",
    "StateEvent",
    "metadata",
]
