"""The clinic file: the sample loads, and every broken rule is refused with one clear line."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mesobot.catalog import Area
from mesobot.clinic import ClinicFileError, load_clinic, parse_clinic
from mesobot.i18n import pick_language

SAMPLE = Path(__file__).resolve().parent.parent / "clinic.sample.toml"
Raw = dict[str, Any]


def test_sample_loads_with_the_articles_four_treatments() -> None:
    """The shipped sample is valid and carries the article's defaults."""
    clinic = load_clinic(SAMPLE)
    assert set(clinic.treatments) == {
        "facial_rejuvenation",
        "fat_reduction",
        "cellulite",
        "lower_blepharoplasty",
    }
    facial = clinic.treatments["facial_rejuvenation"].series_rule()
    assert (facial.min_sessions, facial.max_sessions) == (4, 4)
    assert (facial.min_gap_days, facial.max_gap_days, facial.preferred_gap_days) == (14, 21, 14)
    fat = clinic.treatments["fat_reduction"]
    assert set(fat.areas) == set(Area)
    fat_rule = fat.series_rule()
    assert (fat_rule.min_sessions, fat_rule.max_sessions) == (2, 4)
    assert (fat_rule.min_gap_days, fat_rule.max_gap_days) == (14, 28)
    cellulite = clinic.treatments["cellulite"].series_rule()
    assert (cellulite.min_sessions, cellulite.max_sessions) == (3, 4)
    assert (cellulite.min_gap_days, cellulite.max_gap_days) == (21, 28)
    eyes = clinic.treatments["lower_blepharoplasty"]
    assert eyes.bookable_session_counts() == range(1, 2)
    # Six weeks, as a window: one full day does not block the second session.
    assert (eyes.series_rule().min_gap_days, eyes.series_rule().max_gap_days) == (42, 49)
    assert eyes.preparation_days_before == 7
    assert clinic.treatments["fat_reduction"].session_minutes == 45
    assert eyes.side_effects_usual_days == 42
    assert fat.price_per_session.currency == "USD"
    assert fat.course_price(4) == (100000, 240000)


def test_sample_calendar_opens_every_weekday_and_is_in_madrid() -> None:
    """Anyone can book Monday to Friday with the default file; the weekend is closed."""
    calendar = load_clinic(SAMPLE).calendar()
    assert calendar.zone_key == "Europe/Madrid"
    assert all(calendar.weekly_hours[day] for day in range(5))
    assert not calendar.weekly_hours[5]
    assert not calendar.weekly_hours[6]
    assert calendar.resource_ids == ("dr-lopez", "dr-costa")


def test_the_sample_speaks_six_languages_with_a_text_in_each() -> None:
    """Every text of the sample is given in each declared language; a regional code reads its
    base language's."""
    clinic = load_clinic(SAMPLE)
    assert clinic.clinic.languages == ("en", "es", "pt", "fr", "it", "de")
    name = clinic.treatments["cellulite"].name
    assert name.in_language("es-ES") == "Tratamiento de la celulitis"
    assert len({name.in_language(code) for code in clinic.clinic.languages}) == 6


def test_closures_become_local_days_and_ranges() -> None:
    """Whole-day closures run from local midnight to the midnight after the last day."""
    calendar = load_clinic(SAMPLE).calendar()
    christmas = calendar.closures[0]
    assert christmas.start.isoformat() == "2026-12-24T00:00:00+01:00"
    assert christmas.end.isoformat() == "2026-12-27T00:00:00+01:00"
    training = calendar.closures[2]
    assert training.resource_id == "dr-costa"
    assert training.start.isoformat() == "2026-06-11T15:00:00+02:00"


def _sample() -> Raw:
    return tomllib.loads(SAMPLE.read_text(encoding="utf-8"))


def _refusal(change: Callable[[Raw], object]) -> str:
    raw = copy.deepcopy(_sample())
    change(raw)
    with pytest.raises(ClinicFileError) as refused:
        parse_clinic(raw, source="clinic.toml")
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("clinic file clinic.toml: ")
    return message


def _treatment(raw: Raw, key: str) -> Raw:
    treatment: Raw = raw["treatments"][key]
    return treatment


BROKEN_TREATMENT_RULES = [
    pytest.param(
        lambda raw: _treatment(raw, "facial_rejuvenation").update(sessions={"min": 5, "max": 4}),
        "facial_rejuvenation",
        "sessions",
        id="min-sessions-above-max",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "cellulite")["sessions"].update(min=0),
        "cellulite",
        "sessions.min",
        id="zero-sessions",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "fat_reduction").update(areas=["stomach", "elbows"]),
        "fat_reduction",
        "areas.1",
        id="unknown-area",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "fat_reduction").update(areas=["chin", "chin"]),
        "fat_reduction",
        "areas",
        id="area-twice",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "cellulite").update(gap_days={"min": 0, "max": 28}),
        "cellulite",
        "gap_days.min",
        id="zero-interval",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "facial_rejuvenation").update(gap_days={"min": 21, "max": 14}),
        "facial_rejuvenation",
        "gap_days",
        id="min-gap-above-max",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "fat_reduction")["gap_days"].update(preferred=30),
        "fat_reduction",
        "gap_days",
        id="preferred-gap-outside-window",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "lower_blepharoplasty").pop("gap_days"),
        "lower_blepharoplasty",
        "gap_days",
        id="missing-gap-for-two-sessions",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "facial_rejuvenation")["price_per_session"].update(
            min=60000, max=25000
        ),
        "facial_rejuvenation",
        "price_per_session",
        id="price-min-above-max",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "fat_reduction")["price_per_session"].update(currency="usd"),
        "fat_reduction",
        "price_per_session.currency",
        id="bad-currency",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "cellulite").update(session_minutes=90),
        "cellulite",
        "session_minutes",
        id="session-longer-than-an-hour",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "cellulite").update(name={"fr": "Cellulite"}),
        "cellulite",
        "name",
        id="english-text-missing",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "cellulite").update(summary={"en": "  "}),
        "cellulite",
        "summary",
        id="empty-text",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "lower_blepharoplasty").update(colour="blue"),
        "lower_blepharoplasty",
        "colour",
        id="unknown-field",
    ),
    pytest.param(
        lambda raw: _treatment(raw, "lower_blepharoplasty").pop("side_effects"),
        "lower_blepharoplasty",
        "side_effects",
        id="missing-field",
    ),
]


@pytest.mark.parametrize(("change", "treatment", "field"), BROKEN_TREATMENT_RULES)
def test_broken_treatment_rule_is_refused_naming_treatment_and_field(
    change: Callable[[Raw], object], treatment: str, field: str
) -> None:
    """Each broken treatment rule gives one line naming the file, the treatment and the field."""
    assert f'treatment "{treatment}", field "{field}": ' in _refusal(change)


def _short_days(raw: Raw) -> None:
    raw["opening_hours"] = {"monday": ["09:00-09:45"], "friday": ["10:00-10:30"]}


BROKEN_CALENDAR = [
    pytest.param(
        lambda raw: raw["clinic"].update(timezone="Europe/Atlantis"), "clinic.timezone", id="tz"
    ),
    pytest.param(
        lambda raw: raw["clinic"].update(timezone="../etc/passwd"), "clinic.timezone", id="tz-path"
    ),
    pytest.param(
        lambda raw: raw["opening_hours"].update(monday=["09:00-13:00", "12:00-19:00"]),
        "opening_hours.monday",
        id="overlapping-hours",
    ),
    pytest.param(
        lambda raw: raw["opening_hours"].update(friday=["9-14"]),
        "opening_hours.friday",
        id="malformed-hours",
    ),
    pytest.param(
        lambda raw: raw["opening_hours"].update(friday=["14:00-09:00"]),
        "opening_hours.friday",
        id="backwards-hours",
    ),
    pytest.param(
        lambda raw: raw["opening_hours"].update(funday=["09:00-10:00"]),
        "opening_hours.funday",
        id="unknown-weekday",
    ),
    pytest.param(lambda raw: raw.update(opening_hours={}), "opening_hours", id="never-open"),
    pytest.param(
        lambda raw: raw["clinic"].update(slot_minutes=0), "clinic.slot_minutes", id="zero-slot"
    ),
    pytest.param(lambda raw: raw.update(resources=[]), "resources", id="no-resources"),
    pytest.param(
        lambda raw: raw["closures"][2].update(resource="dr-nobody"),
        "closures.2.resource",
        id="closure-of-unknown-resource",
    ),
    pytest.param(
        lambda raw: raw["resources"][1].update(id="dr-lopez"),
        "resources.1.id",
        id="duplicate-resource",
    ),
    pytest.param(
        lambda raw: raw["closures"][0].update(
            last_day=raw["closures"][0]["first_day"].replace(day=1)
        ),
        "closures.0",
        id="closure-ends-before-it-starts",
    ),
    pytest.param(
        lambda raw: raw["closures"][1].update(start=raw["closures"][2]["start"]),
        "closures.1",
        id="closure-of-two-shapes",
    ),
    pytest.param(
        _short_days, "treatments.fat_reduction.session_minutes", id="session-fits-no-opening"
    ),
    # The default signs include a severe allergic reaction, whose advice gives this number.
    pytest.param(
        lambda raw: raw["clinic"].pop("emergency_phone"),
        "clinic.emergency_phone",
        id="no-emergency-phone",
    ),
    pytest.param(
        lambda raw: raw["clinic"].update(emergency_phone="  "),
        "clinic.emergency_phone",
        id="blank-emergency-phone",
    ),
]


@pytest.mark.parametrize(("change", "field"), BROKEN_CALENDAR)
def test_broken_calendar_is_refused_naming_the_field(
    change: Callable[[Raw], object], field: str
) -> None:
    """Bad zones, overlapping or malformed hours and unknown resources are refused by field."""
    message = _refusal(change)
    if field.startswith("treatments."):
        _, treatment, rest = field.split(".", 2)
        assert f'treatment "{treatment}", field "{rest}": ' in message
    else:
        assert re.search(re.escape(f'field "{field}": '), message), message


def test_unreadable_and_malformed_files_are_refused(tmp_path: Path) -> None:
    """A missing file and a file that is not TOML each give one line naming the file."""
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ClinicFileError, match=r"nowhere\.toml: cannot be read"):
        load_clinic(missing)
    garbled = tmp_path / "garbled.toml"
    garbled.write_text("[clinic\nname = 1", encoding="utf-8")
    with pytest.raises(ClinicFileError, match=r"garbled\.toml: not valid TOML"):
        load_clinic(garbled)


def _signs(*severities: str) -> dict[str, Raw]:
    return {
        f"sign_{n}": {
            "label": {"en": f"Sign {n}"},
            "staff_label": {"en": "x"},
            "severity": severity,
        }
        for n, severity in enumerate(severities)
    }


def test_emergency_phone_is_needed_exactly_when_a_sign_is_an_emergency() -> None:
    """Without an emergency sign nothing tells a patient to call it, so it may stay empty; with
    one (the defaults have one), the file must give it or the advice would end "on ."."""
    raw = _sample()
    raw["clinic"]["languages"] = ["en"]  # the signs below are written in English only
    del raw["clinic"]["emergency_phone"]
    raw["care"] = {"signs": _signs("high", "moderate")}
    assert parse_clinic(raw, source="clinic.toml").clinic.emergency_phone == ""
    raw["care"] = {"signs": _signs("high", "emergency")}
    with pytest.raises(ClinicFileError) as refused:
        parse_clinic(raw, source="clinic.toml")
    assert 'field "clinic.emergency_phone": must be set' in str(refused.value)
    assert "'sign_1' has emergency severity" in str(refused.value)
    raw["clinic"]["emergency_phone"] = "112"
    assert parse_clinic(raw, source="clinic.toml").clinic.emergency_phone == "112"


def test_a_map_pin_needs_both_coordinates_within_range() -> None:
    """/clinic's map pin: latitude without longitude (or one off the globe) is refused."""
    message = _refusal(lambda raw: raw["clinic"].pop("longitude"))
    assert 'field "clinic.longitude"' in message
    assert "both latitude and longitude" in message
    assert 'field "clinic.latitude"' in _refusal(lambda raw: raw["clinic"].update(latitude=91))
    raw = _sample()
    del raw["clinic"]["latitude"], raw["clinic"]["longitude"]
    assert parse_clinic(raw, source="clinic.toml").clinic.latitude is None


def _drop_language(text: Raw, language: str) -> None:
    del text[language]


def _sign_text(raw: Raw, key: str) -> Raw:
    """The sample's care sign `key`, written out in the file (the defaults' six languages)."""
    care = parse_clinic(_sample(), source="sample").care
    sign = care.signs[key]
    written: Raw = {
        "label": dict(sign.label.root),
        "staff_label": dict(sign.staff_label.root),
        "severity": sign.severity,
    }
    raw.setdefault("care", {}).setdefault("signs", {})[key] = written
    return written


MISSING_LANGUAGES = [
    pytest.param(
        lambda raw: _drop_language(_treatment(raw, "cellulite")["summary"], "de"),
        'treatment "cellulite", field "summary": no \'de\' text',
        id="treatment-text",
    ),
    pytest.param(
        lambda raw: _drop_language(_treatment(raw, "lower_blepharoplasty")["preparation"], "it"),
        'treatment "lower_blepharoplasty", field "preparation": no \'it\' text',
        id="treatment-preparation",
    ),
    pytest.param(
        lambda raw: (
            raw.setdefault("care", {})
            .setdefault("texts", {})
            .update(reminder={"en": "Reminder", "es": "Recordatorio"})
        ),
        'section "care.texts", field "reminder": no \'pt\' text',
        id="care-text",
    ),
    pytest.param(
        lambda raw: raw.setdefault("care", {}).update(
            aftercare_by_treatment={"cellulite": {"en": "Drink water."}}
        ),
        'section "care.aftercare_by_treatment", field "cellulite": no \'es\' text',
        id="aftercare-addition",
    ),
    pytest.param(
        lambda raw: _drop_language(_sign_text(raw, "infection")["label"], "fr"),
        'section "care.signs.infection", field "label": no \'fr\' text',
        id="sign-label",
    ),
    pytest.param(
        lambda raw: _drop_language(_sign_text(raw, "infection")["staff_label"], "es"),
        'section "care.signs.infection", field "staff_label": no \'es\' text',
        id="sign-staff-label",
    ),
    pytest.param(
        lambda raw: _sign_text(raw, "infection").update(description={"en": "Hot skin"}),
        'section "care.signs.infection", field "description": no \'es\' text',
        id="sign-description",
    ),
    pytest.param(
        lambda raw: (
            raw.setdefault("care", {})
            .setdefault("texts", {})
            .update(emergency={"en": "Call {emergency_phone}."})
        ),
        'section "care.texts", field "emergency": no \'es\' text',
        id="emergency-advice",
    ),
]


@pytest.mark.parametrize(("change", "expected"), MISSING_LANGUAGES)
def test_a_declared_language_missing_a_text_is_refused_by_name(
    change: Callable[[Raw], object], expected: str
) -> None:
    """English is never filled in for a declared language: the file is refused with the
    treatment or section, the field and the language."""
    assert expected in _refusal(change)


def test_a_treatment_name_longer_than_a_button_is_refused() -> None:
    """Patients pick a treatment by its name on a button: a longer one would be cut off."""
    message = _refusal(
        lambda raw: _treatment(raw, "cellulite")["name"].update(
            fr="Traitement de la cellulite et de la peau d'orange"
        )
    )
    assert 'treatment "cellulite", field "name": ' in message
    assert "the 'fr' name has 49 characters" in message


LANGUAGE_LISTS = [
    pytest.param(lambda raw: raw["clinic"].pop("languages"), "Field required", id="missing"),
    pytest.param(lambda raw: raw["clinic"].update(languages=[]), "at least 1", id="empty"),
    pytest.param(
        lambda raw: raw["clinic"].update(languages=["en", "nl"]),
        "'nl': the bot has no catalog for it",
        id="no-catalog",
    ),
    pytest.param(
        lambda raw: raw["clinic"].update(languages=["en", "es", "en"]),
        "'en' is listed twice",
        id="twice",
    ),
]


@pytest.mark.parametrize(("change", "expected"), LANGUAGE_LISTS)
def test_the_declared_languages_are_checked(
    change: Callable[[Raw], object], expected: str
) -> None:
    """The list must be there, and name only languages the bot has a catalog for, once."""
    message = _refusal(change)
    assert 'field "clinic.languages": ' in message
    assert expected in message


def test_a_clinic_may_speak_only_spanish() -> None:
    """English is the catalogs' source, not a requirement: a file in Spanish alone loads, and
    a patient writing in English gets Spanish, the clinic's first language."""
    raw = _sample()
    raw["clinic"]["languages"] = ["es"]
    for treatment in raw["treatments"].values():
        for text in treatment.values():
            if isinstance(text, dict) and "en" in text and "es" in text:
                for code in [c for c in text if c != "es"]:
                    del text[code]
    clinic = parse_clinic(raw, source="clinic.toml")
    assert clinic.treatments["cellulite"].name.in_language("en") == "Tratamiento de la celulitis"
    assert pick_language("en-GB", clinic.clinic.languages) == "es"
