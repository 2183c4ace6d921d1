"""The booking flow's core stays apart from Telegram, and its table answers every kind it owns."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import mesobot
from mesobot.callbacks import registered_kinds
from mesobot.flow import buttons
from mesobot.flow.routes import BUTTON_STEPS
from mesobot.handlers.markup import reply_markup
from mesobot.screens import Button, RemoveKeyboard, Screen, SharePhone

PACKAGE = Path(mesobot.__file__).parent
CORE_FILES = [*sorted((PACKAGE / "flow").glob("*.py")), PACKAGE / "screens.py"]


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
    return names


def test_the_flow_core_imports_nothing_from_telegram() -> None:
    """No module of mesobot/flow (nor mesobot/screens.py) imports telegram, TYPE_CHECKING too."""
    offenders = {
        path.name: sorted(m for m in _imported_modules(path) if m.split(".")[0] == "telegram")
        for path in CORE_FILES
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_importing_the_flow_core_loads_no_telegram() -> None:
    """Not even indirectly: the route table and the screens load without the telegram package."""
    check = (
        "import sys, mesobot.flow.routes, mesobot.screens; "
        "sys.exit(any(m.split('.')[0] == 'telegram' for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", check], check=False).returncode == 0


def test_every_booking_kind_has_exactly_one_step() -> None:
    """The route table covers every "b" kind the flow defines, and nothing else."""
    owned = {
        kind
        for code, kind in registered_kinds().items()
        if re.match(buttons.PATTERN, f"1{code}.") and kind.__module__ == buttons.__name__
    }
    assert set(BUTTON_STEPS) == owned


def test_the_edge_turns_each_core_keyboard_into_its_markup() -> None:
    """Inline rows, the share-phone button and its removal become Telegram's three markups."""
    inline = reply_markup(((Button("Yes", "1bg.x"),), ()))
    assert inline is not None
    assert inline.to_dict() == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "1bg.x"}], []]
    }
    share = reply_markup(SharePhone("Share"))
    assert share is not None
    assert share.to_dict() == {
        "keyboard": [[{"text": "Share", "request_contact": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
    removal = reply_markup(RemoveKeyboard())
    assert removal is not None
    assert removal.to_dict() == {"remove_keyboard": True}
    assert reply_markup(None) is None
    assert reply_markup(()) is None


def test_a_lead_goes_above_a_screen_in_italics() -> None:
    """`led_by` puts an explanation above the text and keeps the keyboard."""
    screen = Screen("Choose a date", RemoveKeyboard())
    assert screen.led_by("That date is gone.") == Screen(
        "<i>That date is gone.</i>\n\nChoose a date", RemoveKeyboard()
    )
    assert screen.led_by(None) is screen
