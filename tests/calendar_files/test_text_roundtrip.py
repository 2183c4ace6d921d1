"""Any text a clinic or patient can type reaches every parser unchanged: escaping and folding."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mesobot.calendar_files import build_calendar, build_staff_calendar
from mesobot.calendar_files.contentlines import clean_text
from tests.calendar_files.factories import CLINIC, STAMP, course, staff_agenda
from tests.calendar_files.parsers import read_with_all

# Everything but controls and lone surrogates (which TEXT cannot carry), with the characters
# that escaping and folding handle made frequent: specials, line breaks, spaces, multibyte.
_SPECIALS = "\\,;:\"'\n\t  \r\u2028éñ€𝄞\u0301"
typed_text = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=("Cc", "Cs")), st.sampled_from(_SPECIALS)),
    min_size=1,
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(name=typed_text, address=typed_text, treatment=typed_text)
# Escapes next to letters that mean something after a backslash, and spaces where folds go.
@example(name="a\\nb", address="x\\,y\\;z\\N", treatment="\\")
@example(name=" lead", address="trail " + " " * 90, treatment="e\u0301" * 50)
def test_patient_texts_round_trip(name: str, address: str, treatment: str) -> None:
    """Clinic name, address and an opted-in treatment come back as written, in every parser."""
    clinic = replace(CLINIC, name=name, address=address)
    entries = course([date(2026, 3, 17), date(2026, 4, 7)], treatment=treatment)
    ics = build_calendar(
        entries=entries, clinic=clinic, stamp=STAMP, language="en", name_treatment=True
    )
    for event, entry in zip(read_with_all(ics), entries, strict=True):
        assert event.summary == clean_text(f"{treatment} at {name} ({entry.session_number} of 2)")
        assert event.location == clean_text(address)


@settings(max_examples=150, deadline=None)
@given(initials=typed_text, code=typed_text)
def test_staff_texts_round_trip(initials: str, code: str) -> None:
    """Initials and session codes come back as written, in every parser."""
    entries = [replace(entry, initials=initials, session_code=code) for entry in staff_agenda()]
    ics = build_staff_calendar(entries=entries, clinic=CLINIC, stamp=STAMP, language="en")
    for event in read_with_all(ics):
        assert event.summary.endswith(clean_text(f"{initials} · {code}"))
        assert clean_text(code) in event.description


@given(text=typed_text)
def test_clean_text_keeps_what_text_can_carry(text: str) -> None:
    """Only line breaks are rewritten (to \\n); nothing else a TEXT may hold is touched."""
    unbroken = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    assert clean_text(text) == unbroken.replace("\u2029", "\n").replace("\u0085", "\n")
