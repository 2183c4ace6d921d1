"""The demo page in a real headless Chromium, through Selenium kept offline.

Debian's `chromium` and `chromium-driver` are used by path: Selenium Manager, which would
download a browser or a driver, never runs (SE_OFFLINE, and both paths given).
"""

from __future__ import annotations

import os
import shutil
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRE_BROWSER = os.environ.get("MESOBOT_REQUIRE_BROWSER") == "1"
HOW_TO_ENABLE = (
    "the demo's browser test needs Selenium and Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver); set MESOBOT_REQUIRE_BROWSER=1 to run it "
    "(.ci/run installs both and sets it)"
)
# Telegram's pace is one message a second per chat: a pane is settled when it has not
# changed for longer than that.
SETTLED_SECONDS = 1.6


def missing() -> str | None:
    """What the browser test lacks on this machine, if anything."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists() and shutil.which(path.name) is None:
            return f"{path} is missing"
    return None


def start_chromium() -> Any:
    """A headless Chromium driven by the distribution's chromedriver; nothing downloaded."""
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
        "--disable-gpu",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


class DemoPage:
    """The three panes, read and clicked as a visitor would."""

    def __init__(self, driver: Any, url: str) -> None:
        self.driver = driver
        driver.get(url)
        self.wait_until(lambda: self.driver.execute_script("return window.__drawn === true"))

    def wait_until(
        self, condition: Callable[[], Any], within: float = 30.0, what: str = ""
    ) -> Any:
        """condition()'s first truthy value, tried every 100 ms."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                if result := condition():
                    return result
            except Exception as error:  # a redraw replaced the element being read
                if type(error).__name__ != "StaleElementReferenceException":
                    raise
            time.sleep(0.1)
        raise AssertionError(f"timed out after {within} s waiting for {what or condition}")

    def texts(self, pane: str) -> list[str]:
        """Every message's visible text in a pane."""
        script = "return [...document.querySelectorAll(arguments[0])].map(m => m.innerText)"
        return list(self.driver.execute_script(script, f"#pane-{pane} .msg"))

    def _signature(self, pane: str) -> str:
        """The pane's messages, keyboard and how many toasts it has shown (an answer may be
        only a toast; a toast fading away is no change)."""
        script = (
            "const pane = document.querySelector(arguments[0]);"
            "return pane.querySelector('.messages').innerHTML"
            " + pane.querySelector('.keyboard').innerHTML + pane.dataset.toasts;"
        )
        return str(self.driver.execute_script(script, f"#pane-{pane}"))

    def settle(self, pane: str, before: str | None = None) -> None:
        """Wait for the pane to change from `before` (if given), then to stay still."""
        if before is not None:
            self.wait_until(lambda: self._signature(pane) != before)
        last, since = self._signature(pane), time.monotonic()
        deadline = since + 60
        while time.monotonic() - since < SETTLED_SECONDS:
            time.sleep(0.2)
            now = self._signature(pane)
            if now != last:
                last, since = now, time.monotonic()
            assert time.monotonic() < deadline, f"the {pane} pane never settled"

    def wait_for_text(self, pane: str, fragment: str, within: float = 30.0) -> str:
        """The first message in the pane that contains fragment, once there is one."""
        return str(
            self.wait_until(
                lambda: next((t for t in self.texts(pane) if fragment in t), None),
                within,
                f"{fragment!r} in the {pane} pane",
            )
        )

    def tap(self, pane: str, label: str) -> None:
        """Press an inline button of the latest message that has buttons, and wait for the
        bot's answer to settle."""
        from selenium.webdriver.common.by import By

        xpath = (
            f"(//section[@id='pane-{pane}']//div[contains(@class, 'msg')]"
            "[.//button[contains(@class, 'inline-btn')]])[last()]"
            f"//button[normalize-space(.)={_xpath_literal(label)}]"
        )

        def clicked() -> bool:
            found = self.driver.find_elements(By.XPATH, xpath)
            if not found:
                return False
            before = self._signature(pane)
            found[0].click()
            self._before = before
            return True

        self.wait_until(clicked, what=f"a button {label!r} in the {pane} pane")
        self.settle(pane, self._before)

    def type(self, pane: str, text: str) -> None:
        """Type a message in the pane's box and send it."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        before = self._signature(pane)
        box = self.driver.find_element(By.ID, f"input-{pane}")
        box.send_keys(text, Keys.ENTER)
        self.settle(pane, before)

    def press_keyboard(self, pane: str, css: str) -> None:
        """Press a button of the pane's reply keyboard."""
        from selenium.webdriver.common.by import By

        selector = f"#pane-{pane} .keyboard {css}"
        button = self.wait_until(lambda: self.driver.find_elements(By.CSS_SELECTOR, selector))
        before = self._signature(pane)
        button[0].click()
        self.settle(pane, before)

    def click(self, element_id: str, pane: str) -> None:
        """Click a control outside the chats (the time machine), then let `pane` settle."""
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.ID, element_id).click()
        self.settle(pane)

    def upload_photo(self, path: Path, caption: str) -> None:
        """The patient sends a photo from a file, with a caption."""
        from selenium.webdriver.common.by import By

        before = self._signature("patient")
        self.driver.find_element(By.ID, "photo-patient").send_keys(str(path))
        self.driver.find_element(By.ID, "caption-patient").send_keys(caption)
        self.driver.find_element(By.ID, "send-photo-patient").click()
        self.settle("patient", before)

    def violations(self) -> str:
        """The violations banner's text."""
        return str(
            self.driver.execute_script("return document.getElementById('violations').innerText")
        )

    def save_screenshots(self, folder: Path, prefix: str = "") -> None:
        """The whole page and each pane, as PNG files in folder."""
        from selenium.webdriver.common.by import By

        folder.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(folder / f"{prefix}page.png"))
        for pane in ("patient", "staff", "group"):
            element = self.driver.find_element(By.ID, f"pane-{pane}")
            element.screenshot(str(folder / f"{prefix}{pane}.png"))


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


def skin_photo(size: int = 96) -> bytes:
    """A PNG of skin with a red patch: a photo the page visibly shows (the tests' 1x1 does not)."""
    rows = []
    for y in range(size):
        row = bytearray([0])  # no filter
        for x in range(size):
            patch = (x - size * 0.6) ** 2 + (y - size * 0.45) ** 2 < (size * 0.18) ** 2
            row += bytes((214, 92, 92) if patch else (236, 196, 170))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
