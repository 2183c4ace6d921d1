"""The callback-data codec: round trips, the 64-byte bound, and refusal of foreign data."""

from __future__ import annotations

import dataclasses
import string
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mesobot.handlers  # noqa: F401  (registers every kind the bot issues)
from mesobot.callbacks import (
    MAX_BYTES,
    ButtonData,
    CallbackCodec,
    button,
    registered_kinds,
)
from mesobot.staff import buttons as staff_buttons

TOKEN_ALPHABET = string.ascii_letters + string.digits + "_-"
LARGEST_ID = 2**63 - 1


@button("zt")
@dataclass(frozen=True)
class _WidestButton(ButtonData):
    """A test kind with every field type, to exercise the codec at its widest."""

    course_id: int
    session_id: int
    day: date
    confirmed: bool
    choice: str
    max_lengths: ClassVar[dict[str, int]] = {"choice": 10}


def _field_strategy(kind: type[ButtonData], name: str) -> st.SearchStrategy[Any]:
    field_type = get_type_hints(kind)[name]
    if field_type is int:
        return st.integers(min_value=-LARGEST_ID, max_value=LARGEST_ID)
    if field_type is bool:
        return st.booleans()
    if field_type is date:
        return st.dates()
    return st.text(TOKEN_ALPHABET, max_size=kind.max_lengths[name])


def _instances(kind: type[ButtonData]) -> st.SearchStrategy[ButtonData]:
    fields = {f.name: _field_strategy(kind, f.name) for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    return st.builds(kind, **fields)


ANY_BUTTON = st.sampled_from(sorted(registered_kinds().values(), key=lambda k: k.kind)).flatmap(
    _instances
)
CODEC = CallbackCodec(b"test secret")


@given(ANY_BUTTON)
def test_every_kind_round_trips_within_64_bytes(data: ButtonData) -> None:
    """Whatever the bot puts on a button comes back equal and never exceeds Telegram's limit."""
    encoded = CODEC.encode(data)
    assert len(encoded.encode()) <= MAX_BYTES
    assert CODEC.decode(encoded) == data


def test_worst_case_of_each_kind_fits() -> None:
    """Every registered kind at its widest values still fits in 64 bytes."""
    for kind in registered_kinds().values():
        widest: dict[str, Any] = {}
        for field in dataclasses.fields(kind):  # type: ignore[arg-type]
            field_type = get_type_hints(kind)[field.name]
            widest[field.name] = {
                int: -LARGEST_ID,
                bool: True,
                date: date(9999, 12, 31),
            }.get(field_type, "x" * kind.max_lengths.get(field.name, 0))
        assert len(CODEC.encode(kind(**widest)).encode()) <= MAX_BYTES, kind


def test_a_kind_that_could_overflow_is_refused_at_definition() -> None:
    """A developer cannot declare button data that might one day exceed 64 bytes."""
    with pytest.raises(ValueError, match="over 64"):

        @button("zz")
        @dataclass(frozen=True)
        class _TooWide(ButtonData):
            a: int
            b: int
            c: int
            d: int


@given(ANY_BUTTON, st.data())
def test_altered_data_is_refused(data: ButtonData, draw: st.DataObject) -> None:
    """Changing any single character of issued data makes it foreign."""
    encoded = CODEC.encode(data)
    position = draw.draw(st.integers(0, len(encoded) - 1))
    replacement = draw.draw(
        st.sampled_from(TOKEN_ALPHABET + ".").filter(lambda c: c != encoded[position])
    )
    altered = encoded[:position] + replacement + encoded[position + 1 :]
    assert CODEC.decode(altered) is None


@given(ANY_BUTTON)
def test_truncated_data_is_refused(data: ButtonData) -> None:
    """No proper prefix of issued data decodes."""
    encoded = CODEC.encode(data)
    assert all(CODEC.decode(encoded[:end]) is None for end in range(len(encoded)))


@given(ANY_BUTTON)
def test_data_signed_by_another_bot_is_refused(data: ButtonData) -> None:
    """Buttons issued under another secret (another bot, a forger) are refused."""
    assert CODEC.decode(CallbackCodec(b"someone else").encode(data)) is None


@given(st.text(max_size=100))
def test_arbitrary_text_is_refused_without_raising(raw: str) -> None:
    """Whatever a client sends as callback data, decoding answers None and never raises."""
    assert CODEC.decode(raw) is None


def test_values_out_of_range_are_refused_when_encoding() -> None:
    """A token with characters the format cannot carry is a programming error, caught early."""
    with pytest.raises(ValueError, match="short token"):
        CODEC.encode(_WidestButton(1, 2, date(2026, 1, 1), True, "has.dot"))
    with pytest.raises(ValueError, match="short token"):
        CODEC.encode(_WidestButton(1, 2, date(2026, 1, 1), True, "x" * 11))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1sm.16.3.FySlJI-w", staff_buttons.MoveSession(appointment=42, version=3)),
        ("1sy.16.3.20261208.qcWrBDR4", staff_buttons.MoveDay(42, 3, date(2026, 12, 8))),
        (
            "1st.16.3.20261208.1000.4er-4ySe",
            staff_buttons.MoveTo(42, 3, date(2026, 12, 8), "1000"),
        ),
        # Drawn before sessions had versions: decoded, to show the session as it is now.
        ("1sa.16.k.uGcP9jYm", staff_buttons.UnversionedSessionAction(appointment=42, action="k")),
    ],
)
def test_buttons_sent_before_a_field_rename_still_decode(raw: str, expected: ButtonData) -> None:
    """Data carries field values by position, never names: these were issued as `session=42`."""
    assert CallbackCodec(b"pinned").decode(raw) == expected
