"""Every booking-flow screen, the patient's courses, staff's request views and both command
menus, rendered from the fixture world in every language, with the checks of
test_every_text (button length, raw keys, ISO dates, plurals)."""

from __future__ import annotations

from typing import Any

import pytest

from mesobot.drafts import BOOKING
from mesobot.flow import steps
from mesobot.flow.appointments import course_screens
from mesobot.flow.machine import Flow
from mesobot.flow.screens import step_screens
from mesobot.flow.turn import Visitor
from mesobot.i18n import translations
from mesobot.privacy.settings import RetentionSettings
from mesobot.scheduling.series import Obstacle
from mesobot.screens import Screen
from mesobot.services import Services
from mesobot.staff_notices import edit_view, request_view
from mesobot.texts import command_descriptions
from mesobot.texts.mydata import why_and_how_long_lines
from mesobot.texts.staff import OBSTACLE_TEXTS, move_refused, staff_command_descriptions
from tests.rendering.checks import AWAITING, LANGUAGES, keyboard_labels, labels_of, problems
from tests.rendering.world import PATIENT_CHAT, answers, build_world

# Every step the booking flow shows, in its order.
STEPS = [
    steps.CONSENT,
    steps.ADULT,
    steps.BROWSE,
    steps.TREATMENT,
    steps.AREA,
    steps.COUNT,
    *(steps.question_step(question.key) for question in steps.QUESTIONS),
    steps.NOTE,
    steps.NAME,
    steps.PHONE,
    steps.DATE,
    steps.TIME,
    steps.PREVIEW,
]


def booking_answers() -> dict[str, Any]:
    """A fat-reduction booking on a free Thursday morning, two sessions."""
    return answers("fat_reduction", "love_handles") | {
        "count": 2,
        "month": (2026, 12),
        "day": "2026-12-10",
        "minute": 600,
    }


async def flow_screens(services: Services, language: str) -> dict[str, list[Screen]]:
    """Each step's screens, and the patient's courses, as the world's patient sees them."""
    visitor = Visitor(telegram_user_id=PATIENT_CHAT, language_code=language, first_name="Ana")

    async def every_step(flow: Flow) -> dict[str, list[Screen]]:
        shown: dict[str, list[Screen]] = {}
        for step in STEPS:
            flow.set_draft(step, booking_answers(), BOOKING)
            screens = await step_screens(flow)
            assert screens is not None, step
            shown[step] = screens
        flow.end()
        shown["appointments"] = await course_screens(flow)
        return shown

    return await Flow.take(services, visitor, every_step)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_flow_screen_reads_well(services: Services, language: str) -> None:
    """The booking flow, step by step, and /appointments."""
    await build_world(services, language)
    shown = await flow_screens(services, language)
    # The chosen day is free, so that the times and the preview are shown, not the calendar.
    assert "10:00" in shown[steps.TIME][0].text + str(
        keyboard_labels(shown[steps.TIME][0].keyboard)
    )
    assert "10:00" in shown[steps.PREVIEW][0].text
    found: list[str] = []
    for step, screens in shown.items():
        assert screens, step
        for screen in screens:
            where = f"screen {step} ({language})"
            found += problems(where, screen.text, keyboard_labels(screen.keyboard), language)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_staff_views_and_menus_read_well(services: Services, language: str) -> None:
    """A request as staff see it and while they change it, and both command menus."""
    world = await build_world(services, language)
    found: list[str] = []
    async with services.database.read() as session:
        for name, view in (("request", request_view), ("edit", edit_view)):
            rendered = await view(
                session, services.clinic, services.codec, world.requested_course_id, language
            )
            assert rendered is not None, name
            found += [
                problem
                for problem in problems(
                    f"{name} ({language})", rendered.text, labels_of(rendered), language
                )
                if not any(problem.endswith(awaited) for _kind, awaited in AWAITING)
            ]
    t = translations(language)
    for command, description in [*command_descriptions(t), *staff_command_descriptions(t)]:
        found += problems(f"/{command} ({language})", description, [], language)
    # A refused move, for every reason the planner gives: said in words, never its detail.
    assert set(OBSTACLE_TEXTS) == {str(obstacle) for obstacle in Obstacle}
    for obstacle in Obstacle:
        text = move_refused(t, obstacle)
        found += problems(f"refused move, {obstacle} ({language})", text, [], language)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_data_texts_read_well_at_one_of_everything(language: str) -> None:
    """/mydata's retention lines with every limit at 1, where a skipped plural shows."""
    ones = {name: 1 for name, f in RetentionSettings.model_fields.items() if f.annotation is int}
    assert len(ones) >= 5  # the years and days /mydata shows
    lines = why_and_how_long_lines(translations(language), RetentionSettings(**ones))
    found = problems(f"/mydata ({language})", "\n".join(lines), [], language)
    assert not found, "\n".join(found)
