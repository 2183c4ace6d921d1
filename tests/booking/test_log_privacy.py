"""What a patient types never reaches the log: after a whole booking (questionnaire, note,
name, phone), no INFO line holds any of it."""

from __future__ import annotations

import logging

import pytest

from tests.booking.driver import PatientAtKeyboard
from tests.booking.test_flow import book_through_flow, patient

__all__ = ["patient"]  # the fixture, imported for this module's tests

TYPED = ["Ana María", "34600111222", "I bruise easily", "lidocaine"]


async def test_a_whole_booking_leaves_no_name_phone_or_answer_in_the_log(
    patient: PatientAtKeyboard, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await book_through_flow(patient, "Facial rejuvenation")
    logged = caplog.text
    assert caplog.records, "nothing was logged at all: the check would prove nothing"
    for value in TYPED:
        assert value not in logged
