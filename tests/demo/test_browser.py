"""The demo page in a real browser: a course booked, confirmed, and cared for, to a staff alert.

Skipped unless MESOBOT_REQUIRE_BROWSER=1 (then a missing browser fails the test), so that
`make test` needs only Python.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mesobot.config import PROJECT_ROOT
from tests.demo.browser import (
    HOW_TO_ENABLE,
    REQUIRE_BROWSER,
    DemoPage,
    missing,
    skin_photo,
    start_chromium,
)
from tests.demo.conftest import RunningDemo

pytestmark = pytest.mark.slow
FAILURE_SCREENSHOTS = PROJECT_ROOT / "data" / "browser-test-failures"
# Set to a folder (docs/ for the README's pictures) to keep the page as the test leaves it.
SCREENSHOTS = os.environ.get("MESOBOT_DEMO_SCREENSHOTS")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium, headless; the test is skipped without it unless it is required."""
    if not REQUIRE_BROWSER:
        pytest.skip(HOW_TO_ENABLE)
    lack = missing()
    if lack is not None:
        pytest.fail(f"MESOBOT_REQUIRE_BROWSER=1 but {lack}: {HOW_TO_ENABLE}")
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def page(
    browser: Any, running_demo: RunningDemo, request: pytest.FixtureRequest
) -> Iterator[DemoPage]:
    """The demo's page; when the test fails, screenshots of it go to a folder it names."""
    page = DemoPage(browser, running_demo.url)
    failures_before = request.session.testsfailed
    yield page
    if request.session.testsfailed > failures_before:
        folder = FAILURE_SCREENSHOTS / re.sub(r"[^\w.-]", "_", request.node.name)
        page.save_screenshots(folder)
        (folder / "demo.log").write_text(running_demo.log.read_text(encoding="utf-8"))
        pytest.fail(f"screenshots and the demo's log of the failed test are in {folder}")


def book_a_facial_course(page: DemoPage) -> None:
    """The patient, from START to "Your request is sent", sharing the phone by its button."""
    page.click("start-patient", "patient")
    page.wait_for_text("patient", "Before you book")
    page.tap("patient", "I agree")
    page.tap("patient", "Yes, I am 18 or older")
    page.tap("patient", "Facial rejuvenation")
    page.tap("patient", "Book this treatment")
    for answer in ("Yes: lidocaine or procaine", "No", "No", "No", "Never had injections"):
        page.tap("patient", answer)
    page.type("patient", "I bruise easily")
    page.type("patient", "Ana García")
    page.press_keyboard("patient", ".kb-btn.contact")
    page.wait_for_text("patient", "December 2026")
    page.tap("patient", "7")
    page.tap("patient", "10:00")
    page.wait_for_text("patient", "Mon, 7 Dec 2026, 10:00")
    page.tap("patient", "Confirm")
    page.wait_for_text("patient", "Your request is sent")


def jump_until(page: DemoPage, pane: str, fragment: str, *, jumps: int = 12) -> str:
    """Press "Next due message" until a message containing fragment is in the pane."""
    for _ in range(jumps):
        found = next((t for t in page.texts(pane) if fragment in t), None)
        if found is not None:
            return found
        page.click("tm-next", pane)
    raise AssertionError(f"{fragment!r} never came in the {pane} pane: {page.texts(pane)}")


def test_a_course_booked_confirmed_and_a_check_in_answered_reaches_staff_until_acknowledged(
    page: DemoPage, tmp_path: Path
) -> None:
    assert "DEMO" in page.driver.find_element("css selector", "header").text
    book_a_facial_course(page)

    page.wait_for_text("staff", "Confirm all")
    page.tap("staff", "✅ Confirm all")
    page.wait_for_text("patient", "Confirmed")
    calendar = page.wait_until(
        lambda: page.driver.execute_script(
            "const a = document.querySelector('#pane-patient a.document');"
            "return a && a.textContent.includes('.ics') ? a.getAttribute('href') : null;"
        )
    )
    ics = page.driver.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(done);",
        calendar,
    )
    assert ics.startswith("BEGIN:VCALENDAR")

    jump_until(page, "patient", "After your Facial rejuvenation session")
    jump_until(page, "patient", "Something unusual")
    page.tap("patient", "Something unusual")
    page.wait_for_text("patient", "What do you see")
    page.tap("patient", "Swelling that grows or hurts")
    page.wait_for_text("patient", "send a photo")
    photo = tmp_path / "cheek.png"
    photo.write_bytes(skin_photo())
    page.upload_photo(photo, "the left cheek")

    alert = page.wait_for_text("staff", "Reaction report #")
    assert "possible hematoma or abscess" in alert
    assert page.wait_until(
        lambda: page.driver.find_elements("css selector", "#pane-staff .msg img")
    ), "the patient's photo did not reach staff"
    notice = page.wait_for_text("group", "Report #")
    assert "hematoma" not in notice  # no health details in the group
    # Unacknowledged, the alert goes again half an hour later; acknowledged, it stops.
    jump_until(page, "staff", "sent again (1 of 4)", jumps=3)
    page.tap("staff", "Acknowledge")
    alert_box = page.wait_until(
        lambda: page.driver.find_elements("css selector", "#pane-staff .toast.alert"),
        what="the alert answering Acknowledge",
    )
    assert alert_box[0].text
    page.wait_for_text("patient", "have seen your report")
    assert page.violations() == "No Bot API violations"
    if SCREENSHOTS:
        page.save_screenshots(Path(SCREENSHOTS), prefix="demo-")
