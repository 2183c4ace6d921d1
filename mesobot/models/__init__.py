"""The tables. Importing this package registers every model on `SQLModel.metadata`."""

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
