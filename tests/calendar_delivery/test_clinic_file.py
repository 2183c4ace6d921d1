"""The clinic file's calendar settings: optional, checked at load, off for treatment names."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from mesobot.clinic import ClinicFileError, parse_clinic
from tests.test_clinic_file import SAMPLE


def _raw(**clinic: Any) -> dict[str, Any]:
    raw = tomllib.loads(SAMPLE.read_text(encoding="utf-8"))
    raw["clinic"].update(clinic)
    return raw


def test_the_sample_names_no_treatment_and_calls_the_phone_the_organizer() -> None:
    info = parse_clinic(_raw(), source="sample").clinic
    assert info.name_treatment_in_calendar is False
    source = info.calendar_source()
    assert source.organizer_uri == "tel:+34910000000"
    assert (source.email, source.bot_url) == (None, None)


def test_email_and_bot_url_reach_the_calendar_source() -> None:
    info = parse_clinic(
        _raw(email="citas@example.com", bot_url="https://t.me/DemoBot"), source="x"
    ).clinic
    source = info.calendar_source()
    assert source.organizer_uri == "mailto:citas@example.com"
    assert source.bot_url == "https://t.me/DemoBot"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "910 000 000", 'field "clinic.phone": phone'),
        ("email", "not an address", 'field "clinic.email": e-mail'),
        ("bot_url", "http://t.me/DemoBot", 'field "clinic.bot_url": bot URL'),
    ],
)
def test_a_value_calendars_cannot_carry_is_refused_at_load(
    field: str, value: str, message: str
) -> None:
    with pytest.raises(ClinicFileError, match=message):
        parse_clinic(_raw(**{field: value}), source="x")
