"""`[retention]` in the clinic file: the sample carries the defaults, bad values are refused."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from mesobot.clinic import ClinicFileError, parse_clinic
from mesobot.privacy.settings import RetentionSettings

SAMPLE = Path(__file__).resolve().parent.parent.parent / "clinic.sample.toml"


def _sample() -> dict[str, Any]:
    return tomllib.loads(SAMPLE.read_text(encoding="utf-8"))


def test_sample_states_the_defaults() -> None:
    """The shipped sample's [retention] is exactly the documented defaults."""
    assert parse_clinic(_sample(), source="clinic.toml").retention == RetentionSettings()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("photo_days", 0),
        ("audit_years", "five"),
        ("message_payload_days", 91),  # longer than the rows themselves are kept
        ("forever", True),
    ],
)
def test_bad_retention_value_is_refused_in_one_line(key: str, value: object) -> None:
    """A clinic that mistypes a limit is told at start, not left with a silent default."""
    raw = _sample()
    raw["retention"][key] = value
    with pytest.raises(ClinicFileError) as refused:
        parse_clinic(raw, source="clinic.toml")
    message = str(refused.value)
    assert "\n" not in message
    assert "retention" in message
