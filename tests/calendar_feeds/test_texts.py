"""The feeds' texts in every language: no English left in them, short buttons, plurals, and
the link written exactly as given (placeholders intact)."""

from __future__ import annotations

from datetime import date

import pytest

from mesobot.i18n import translations
from mesobot.texts import feeds as texts
from mesobot.texts.dates import day_label
from tests.rendering.checks import LANGUAGES, problems

URL = "https://bot.example.org/feeds/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr.ics"
WEBCAL = URL.replace("https://", "webcal://")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_feed_text_is_translated_and_keeps_the_link(language: str) -> None:
    t = translations(language)
    labels = [texts.link_button(t), texts.replace_button(t)]
    shown = {
        "patient link": texts.patient_link(t, url=URL, webcal=WEBCAL),
        "staff link (1 day)": texts.staff_link(t, url=URL, webcal=WEBCAL, days=1),
        "staff link (30 days)": texts.staff_link(t, url=URL, webcal=WEBCAL, days=30),
        "link exists": texts.link_exists(t, created=day_label(date(2026, 12, 3), language)),
        "no record": texts.no_patient_record(t),
        "feed names": texts.patient_feed_name(t, clinic_name="Sol")
        + "\n"
        + texts.staff_feed_name(t, clinic_name="Sol"),
    }
    found = problems(f"buttons ({language})", "", labels, language)
    for where, text in shown.items():
        found += problems(f"{where} ({language})", text, [], language)
    assert found == []
    for where in ("patient link", "staff link (30 days)"):
        assert f"<code>{URL}</code>" in shown[where]
        assert f"<code>{WEBCAL}</code>" in shown[where]
    assert "30" in shown["staff link (30 days)"]
