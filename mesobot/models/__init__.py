"""The tables. Importing this package registers every model on `SQLModel.metadata`."""

from mesobot.models.base import metadata
from mesobot.models.patient import Patient

__all__ = ["Patient", "metadata"]
