"""The waitlist's screens and texts in every language, with the checks of test_every_text:
joining (first day, length, times), the confirmation and every refusal, the patient's answers
to an offer, and staff's /waitlist."""

from __future__ import annotations

from datetime import date

import pytest

from mesobot.drafts import BOOKING
from mesobot.flow import buttons as b
from mesobot.flow import steps
from mesobot.flow.machine import Flow
from mesobot.flow.turn import Visitor
from mesobot.flow.waitlist_steps import on_join, on_length, on_start
from mesobot.i18n import translations
from mesobot.screens import Screen
from mesobot.services import Services
from mesobot.texts import waitlist as texts
from mesobot.waitlist.staff_view import staff_waitlist
from tests.rendering.checks import LANGUAGES, keyboard_labels, labels_of, problems
from tests.rendering.world import PATIENT_CHAT, answers, build_world


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_waitlist_reads_well(services: Services, language: str) -> None:
    """Every step of joining, the patient's notices, and /waitlist as staff read it."""
    await build_world(services, language)
    visitor = Visitor(telegram_user_id=PATIENT_CHAT, language_code=language, first_name="Ana")
    start = date(2026, 12, 14)

    async def joining(flow: Flow) -> list[Screen]:
        flow.set_draft(
            steps.DATE, answers("fat_reduction", "love_handles") | {"count": 2}, BOOKING
        )
        shown = []
        for step, data in (
            (on_join, b.JoinWaitlist()),
            (on_start, b.WaitlistStart(start)),
            (on_length, b.WaitlistLength(start, 8)),
        ):
            outcome = await step(flow, data)  # type: ignore[operator]
            shown += outcome.screens
        flow.end()
        return shown

    shown = await Flow.take(services, visitor, joining)
    assert len(shown) == 3
    assert all(screen.keyboard for screen in shown)
    t = translations(language)
    line = texts.range_line(
        t,
        treatment="X",
        first=start,
        last=date(2027, 2, 7),
        part="afternoon",
        weekdays_only=True,
        language=language,
    )
    notices = [
        texts.joined(t, line=line, minutes=60),
        texts.joined(t, line=line, minutes=1),
        texts.too_many(t, 3),
        texts.too_many(t, 1),
        texts.nothing_earlier(t),
        texts.left(t),
        texts.entry_gone(t),
        texts.taken(t),
        texts.offer_gone(t),
        texts.declined(t),
        texts.removed(t, 12),
        texts.staff_list(t, 0),
        texts.staff_list(t, 1),
        texts.staff_list(t, 31),
        texts.staff_more(t, 1),
        texts.staff_more(t, 30),
    ]
    found: list[str] = []
    for n, screen in enumerate(shown):
        where = f"waitlist step {n} ({language})"
        found += problems(where, screen.text, keyboard_labels(screen.keyboard), language)
    for n, notice in enumerate(notices):
        found += problems(f"waitlist notice {n} ({language})", notice, [], language)
    async with services.database.read() as session:
        view = await staff_waitlist(session, services, language)
    assert "Ana" in view.text
    found += problems(f"/waitlist ({language})", view.text, labels_of(view), language)
    assert not found, "\n".join(found)
