"""The cost line of a treatment's information, rendered directly in English and Spanish."""

from __future__ import annotations

from mesobot.i18n import translations
from mesobot.texts.treatments import treatment_info
from tests.factories import sample_clinic


def _info(key: str, language: str) -> str:
    treatment = sample_clinic().treatments[key]
    return treatment_info(translations(language), treatment, language=language)


def test_blepharoplasty_costs_one_session_with_the_second_as_a_maybe() -> None:
    """Booked as one session; a second, if the practitioner adds it, doubles the top."""
    english = _info("lower_blepharoplasty", "en")
    assert (
        "<b>Cost:</b> $250.00 to $600.00 for one session, up to $1,200.00 if a second is "
        "needed. Health insurance usually does not cover it." in english
    )
    assert "Whole course" not in english
    assert "<b>Each session:</b> 30 minutes." in english
    spanish = _info("lower_blepharoplasty", "es")
    assert "<b>Precio:</b> de" in spanish
    assert "por una sesión; hasta" in spanish
    assert "1200,00" in spanish.replace("\xa0", "").replace(".", "")
    assert "si hace falta una segunda" in spanish
    assert "con 42 a 49 días de separación" in spanish  # no English "to" in a Spanish range


def test_a_course_booked_whole_keeps_its_whole_price() -> None:
    """Fat reduction (2 to 4 sessions, 45 minutes each) shows its whole-course range."""
    english = _info("fat_reduction", "en")
    assert "<b>Whole course:</b> $500.00 to $2,400.00." in english
    assert "<b>Each session:</b> 45 minutes." in english
    assert "about" not in english
    spanish = _info("fat_reduction", "es")
    assert "<b>Tratamiento completo:</b>" in spanish
    assert "<b>Cada sesión:</b> 45 minutos." in spanish
