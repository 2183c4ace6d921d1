"""A bad call made by a handler of a real Application turns the test that caused it red."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPOSITORY = Path(__file__).resolve().parent.parent

INNER_TESTS = """
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes


async def run_bot_once(emulator, reply_html):
    async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await update.effective_message.reply_html(reply_html)
        except BadRequest:
            pass  # A handler that swallows the error must still fail the test.

    application = (
        ApplicationBuilder().token(emulator.token).base_url(emulator.base_url).build()
    )
    application.add_handler(CommandHandler("start", greet))
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0)
        user = emulator.create_user("Anna")
        user.send_command("start")
        await emulator.wait_for(
            lambda: emulator.violations or any(c.method == "sendMessage" for c in emulator.calls)
        )
        await application.updater.stop()
        await application.stop()


async def test_good_reply(emulator):
    await run_bot_once(emulator, "Fees &lt; 100 EUR")


async def test_unescaped_reply(emulator):
    await run_bot_once(emulator, "Fees < 100 EUR")
"""


@pytest.mark.slow
def test_violation_by_a_handler_fails_the_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bad reply errors its test at teardown with the emulator's description."""
    monkeypatch.setenv("PYTHONPATH", str(REPOSITORY))
    pytester.makeconftest('pytest_plugins = ["botapi_emulator.fixtures"]\n')
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\n"
        "asyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    )
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unescaped_reply*",
            "*sendMessage: 400 Bad Request: can't parse entities: Unsupported start tag*",
        ]
    )
    assert result.ret != 0
