"""A bad configuration ends the program with one line naming the setting, and exit code 2."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from mesobot.config import PROJECT_ROOT, Settings

VALID_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def run_bot(
    tmp_path: Path, *arguments: str, **environment: str
) -> subprocess.CompletedProcess[str]:
    """Run `python bot.py` from an empty folder (no .env) with only the given settings."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_", "MESOBOT_"))
    }
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bot.py"), *arguments],
        cwd=tmp_path,
        env={**clean, "DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


BAD_SETTINGS = [
    pytest.param({}, "TELEGRAM_BOT_TOKEN is not set", id="missing-token"),
    pytest.param({"TELEGRAM_BOT_TOKEN": "changeme"}, "TELEGRAM_BOT_TOKEN", id="placeholder-token"),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": "12345:short"}, "TELEGRAM_BOT_TOKEN", id="malformed-token"
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "TELEGRAM_API_BASE_URL": "api.telegram.org/bot"},
        "TELEGRAM_API_BASE_URL",
        id="bad-api-url",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "TELEGRAM_API_BASE_URL": "http://10.0.0.5/bot"},
        "TELEGRAM_API_BASE_URL is plain http://",
        id="plain-http-api-url",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "TELEGRAM_API_BASE_FILE_URL": "ftp://files"},
        "TELEGRAM_API_BASE_FILE_URL",
        id="bad-file-url",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "DATABASE_URL": "mysql://root@localhost/clinic"},
        "DATABASE_URL",
        id="unsupported-database",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "DATABASE_URL": "not a url"},
        "DATABASE_URL",
        id="malformed-database-url",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_STAFF_IDS": "12, rita"},
        "MESOBOT_STAFF_IDS",
        id="bad-staff-ids",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_STAFF_CHAT_ID": "staff-group"},
        "MESOBOT_STAFF_CHAT_ID",
        id="bad-staff-chat",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_PUBLIC_URL": "http://bot.example.org"},
        "MESOBOT_PUBLIC_URL must be https://",
        id="plain-http-public-url",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_PUBLIC_URL": "bot.example.org"},
        "MESOBOT_PUBLIC_URL",
        id="malformed-public-url",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_LISTEN": "8080"},
        "MESOBOT_LISTEN must be host:port",
        id="bad-listen",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_LOG_FORMAT": "yaml"},
        'MESOBOT_LOG_FORMAT must be "text" or "json"',
        id="bad-log-format",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_WEBHOOK_SECRET": "not secret!"},
        "MESOBOT_WEBHOOK_SECRET must be 1-256 characters",
        id="bad-webhook-secret",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_WEBHOOK_SECRET": "a" * 257},
        "MESOBOT_WEBHOOK_SECRET",
        id="long-webhook-secret",
    ),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": VALID_TOKEN, "MESOBOT_WEBHOOK_URL": "http://bot.example/hook"},
        "MESOBOT_WEBHOOK_URL must be an https:// URL",
        id="plain-webhook-url",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("environment", "named"),
    [
        pytest.param({}, "MESOBOT_WEBHOOK_URL is not set (required with --webhook)", id="url"),
        pytest.param(
            {"MESOBOT_WEBHOOK_URL": "https://bot.example/hook"},
            "MESOBOT_WEBHOOK_SECRET is not set (required with --webhook)",
            id="secret",
        ),
    ],
)
def test_webhook_mode_names_its_missing_setting(
    tmp_path: Path, environment: dict[str, str], named: str
) -> None:
    """`bot.py --webhook` without its URL or secret: one line, exit code 2."""
    result = run_bot(tmp_path, "--webhook", TELEGRAM_BOT_TOKEN=VALID_TOKEN, **environment)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"mesobot: {named}"]


@pytest.mark.slow
@pytest.mark.parametrize(("environment", "named"), BAD_SETTINGS)
def test_bad_setting_gives_one_line_and_exit_code_2(
    tmp_path: Path, environment: dict[str, str], named: str
) -> None:
    """Each wrong setting is named on one line of stderr, without a traceback."""
    result = run_bot(tmp_path, **environment)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert VALID_TOKEN not in result.stderr


@pytest.mark.slow
def test_missing_clinic_file_is_named(tmp_path: Path) -> None:
    """A clinic file that cannot be read is named, with exit code 2."""
    missing = tmp_path / "nowhere" / "clinic.toml"
    result = run_bot(tmp_path, TELEGRAM_BOT_TOKEN=VALID_TOKEN, MESOBOT_CLINIC_FILE=str(missing))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert str(missing) in result.stderr
    assert "MESOBOT_CLINIC_FILE" in result.stderr


@pytest.mark.slow
def test_malformed_clinic_file_is_named(tmp_path: Path) -> None:
    """A clinic file that is not valid TOML is named, with exit code 2."""
    broken = tmp_path / "clinic.toml"
    broken.write_text('name = "Clínica Sol\ntimezone = ', encoding="utf-8")
    result = run_bot(tmp_path, TELEGRAM_BOT_TOKEN=VALID_TOKEN, MESOBOT_CLINIC_FILE=str(broken))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert str(broken) in result.stderr
    assert not (tmp_path / "never.sqlite3").exists(), "nothing is touched before the checks"


async def _bot_against(
    tmp_path: Path, status: int | None, description: str = ""
) -> subprocess.CompletedProcess[str]:
    """`bot.py` against a local server answering every request with `status`, or (None)
    against a port where nothing listens."""

    async def answer(_request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": status, "description": description}
        return web.json_response(body, status=status or 500)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    if status is None:
        await runner.cleanup()
    try:
        url = f"http://127.0.0.1:{port}/bot"
        return await asyncio.to_thread(
            run_bot, tmp_path, TELEGRAM_BOT_TOKEN=VALID_TOKEN, TELEGRAM_API_BASE_URL=url
        )
    finally:
        await runner.cleanup()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("status", "description", "named"),
    [
        (401, "Unauthorized", "TELEGRAM_BOT_TOKEN was rejected"),
        (404, "Not Found", "TELEGRAM_API_BASE_URL"),
        (None, "", "TELEGRAM_API_BASE_URL: cannot reach"),
    ],
    ids=["token-rejected", "not-a-bot-api", "nothing-listening"],
)
async def test_a_rejected_token_or_wrong_api_url_gives_one_line_without_the_token(
    tmp_path: Path, status: int | None, description: str, named: str
) -> None:
    """Telegram answering 401, a server that is no Bot API, or none at all: exit 2 and one
    line naming the setting; the token is on neither stdout nor stderr."""
    result = await _bot_against(tmp_path, status, description)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert named in lines[0]
    assert VALID_TOKEN not in result.stderr + result.stdout
    assert VALID_TOKEN.split(":")[1] not in result.stderr + result.stdout


def test_plain_http_is_allowed_to_loopback_or_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' emulator and a self-hosted server on a private network still work."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", VALID_TOKEN)
    for url in ("http://localhost:8081/bot", "http://[::1]:8081/bot"):
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", url)
        assert Settings().telegram_api_base_url == url
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://10.0.0.5:8081/bot")
    monkeypatch.setenv("MESOBOT_ALLOW_PLAIN_HTTP_API", "true")
    assert Settings().telegram_api_base_url == "http://10.0.0.5:8081/bot"


@pytest.mark.slow
def test_a_clinic_file_without_its_emergency_phone_is_refused_at_start(tmp_path: Path) -> None:
    """The sample's signs include an emergency: without the number, the bot does not start,
    and the one line names the field to fill in."""
    sample = (PROJECT_ROOT / "clinic.sample.toml").read_text(encoding="utf-8")
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(sample.replace('emergency_phone = "112"', ""), encoding="utf-8")
    result = run_bot(tmp_path, TELEGRAM_BOT_TOKEN=VALID_TOKEN, MESOBOT_CLINIC_FILE=str(clinic))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'field "clinic.emergency_phone"' in lines[0]
    assert not (tmp_path / "never.sqlite3").exists(), "nothing is touched before the checks"


def test_settings_read_comma_separated_staff_and_derive_the_file_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Staff ids come as a comma-separated list; the file URL follows a self-hosted API URL."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("MESOBOT_STAFF_IDS", " 11, 22,33 ")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot/")
    settings = Settings()
    assert settings.mesobot_staff_ids == [11, 22, 33]
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram_api_base_file_url == "http://127.0.0.1:8081/file/bot"
