"""A pytest plugin: any Bot API call made while the caller holds a write transaction fails
the test that made it (registered for the whole suite in tests/conftest.py)."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from telegram.request import HTTPXRequest

from mesobot.db import write_transaction_open


@pytest.fixture(autouse=True)
def no_telegram_in_write_transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if the bot calls the Bot API while it holds a write transaction.

    On SQLite that transaction is the database's one write lock: every other patient's tap
    would wait for Telegram's round trip. Autouse, so every application test (the real
    Application over HTTP to the emulator) is checked.
    """
    calls: list[str] = []
    original = HTTPXRequest.do_request

    async def checked(self: HTTPXRequest, url: str, *args: Any, **kwargs: Any) -> Any:
        if write_transaction_open():
            stack = "".join(traceback.format_stack(limit=14)[:-1])
            calls.append(f"{url.rsplit('/', 1)[-1]} inside Database.write():\n{stack}")
        return await original(self, url, *args, **kwargs)

    monkeypatch.setattr(HTTPXRequest, "do_request", checked)
    yield
    assert not calls, "Bot API called inside a write transaction:\n" + "\n".join(calls)
