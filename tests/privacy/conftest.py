"""Fixtures shared with care: the running bot on the test clock, a patient, staff and a group."""

from tests.care.conftest import app, world

__all__ = ["app", "world"]
