"""A reaction report's description never reaches the log."""

from __future__ import annotations

import logging

import pytest

from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from tests.care.conftest import CareWorld
from tests.care.test_reports import SIGNS, _reported, _text

DESCRIPTION = "It is darker since this morning, near the left eye"


async def test_a_report_with_a_description_leaves_none_of_it_in_the_log(
    app: MesobotApplication,
    world: CareWorld,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    _question, replies = await _reported(app, world, clock, SIGNS[0])
    world.patient.send_text(DESCRIPTION, reply_to=replies[-1])
    await world.patient.next_bot_message(where=lambda m: "Thank you" in _text(m))
    await world.emulator.wait_until_delivered()
    assert caplog.records, "nothing was logged at all: the check would prove nothing"
    assert "darker" not in caplog.text
    assert "left eye" not in caplog.text
