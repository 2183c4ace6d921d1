"""Settings read from the environment and an optional .env file."""

from __future__ import annotations

import re
from ipaddress import ip_address
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLINIC_FILE = PROJECT_ROOT / "clinic.sample.toml"
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'mesobot.sqlite3'}"

# The shape BotFather hands out: a numeric bot id, a colon and a 35-character secret.
_TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")
# What Telegram accepts as a webhook's secret_token.
_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_PLACEHOLDER_TOKENS = {"changeme", "your-token-here", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"}


_S = TypeVar("_S", bound=BaseSettings)


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message is one line that names it."""


class DatabaseSettings(BaseSettings):
    """The database alone: what migrations need, without a bot token."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL

    @field_validator("database_url")
    @classmethod
    def _is_database_url(cls, url: str) -> str:
        try:
            backend = make_url(url).get_backend_name()
        except ArgumentError:
            raise ValueError(
                "is not a database URL (sqlite:///path or postgresql://...)"
            ) from None
        if backend not in {"sqlite", "postgresql"}:
            raise ValueError("must be an sqlite:// or postgresql:// URL")
        return url


class Settings(DatabaseSettings):
    """Everything the bot needs to know about its surroundings."""

    telegram_bot_token: SecretStr
    # Declared before the URLs, so that their validator can read it.
    mesobot_allow_plain_http_api: bool = False
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str | None = None
    mesobot_staff_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    mesobot_staff_chat_id: int | None = None
    mesobot_clinic_file: Path = DEFAULT_CLINIC_FILE
    # The bot's public address (https://, or http:// on loopback): calendar feed links use it.
    mesobot_public_url: str | None = None
    # host:port the bot's web server listens on: the feeds (with MESOBOT_PUBLIC_URL) and, in
    # webhook mode, the webhook, health and metrics (there WEBHOOK_LISTEN when unset).
    mesobot_listen: str | None = None
    # "text" (one line per event, for people) or "json" (one JSON object per line).
    mesobot_log_format: Literal["text", "json"] = "text"
    # Webhook mode (`bot.py --webhook`): where Telegram posts updates and the secret it sends
    # with each.
    mesobot_webhook_url: str | None = None
    mesobot_webhook_secret: SecretStr | None = None

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_looks_real(cls, token: SecretStr) -> SecretStr:
        value = token.get_secret_value().strip()
        if value.lower() in _PLACEHOLDER_TOKENS or not _TOKEN_PATTERN.match(value):
            raise ValueError("is not a bot token from @BotFather (digits, a colon, a secret)")
        return SecretStr(value)

    @field_validator("telegram_api_base_url", "telegram_api_base_file_url")
    @classmethod
    def _is_http_url(cls, url: str | None, info: ValidationInfo) -> str | None:
        if url is None:
            return url
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
            raise ValueError("must be an http:// or https:// URL")
        plain_allowed = info.data.get("mesobot_allow_plain_http_api", False)
        if url.startswith("http://") and not plain_allowed and not _is_loopback(url):
            # Every request carries the token in its URL: over plain HTTP, anyone on the way
            # can read it. A self-hosted Bot API server on a private network may opt in.
            raise ValueError(
                "is plain http:// to another host, which would send the token unencrypted: "
                "use https://, or set MESOBOT_ALLOW_PLAIN_HTTP_API=true for a Bot API "
                "server on your private network"
            )
        return url.rstrip("/")

    @field_validator("mesobot_public_url")
    @classmethod
    def _is_public_url(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        url = url.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", url):
            raise ValueError(
                "must be an https:// URL without a query, e.g. https://bot.example.org"
            )
        if url.startswith("http://") and not _is_loopback(url):
            # A feed link carries its secret in the path: plain HTTP would show it on the way.
            raise ValueError("must be https:// (plain http:// only on localhost)")
        return url

    @field_validator("mesobot_log_format", mode="before")
    @classmethod
    def _is_log_format(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower() or "text"
            if value not in {"text", "json"}:
                raise ValueError('must be "text" or "json"')
        return value

    @field_validator("mesobot_listen")
    @classmethod
    def _is_host_port(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 127.0.0.1:8080")
        return value.strip()

    @field_validator("mesobot_webhook_url")
    @classmethod
    def _is_webhook_url(cls, url: str | None) -> str | None:
        if url is None:
            return url
        # Plain http:// only to loopback: a local Bot API server (or the tests' emulator).
        plain = url.startswith("http://") and _is_loopback(url)
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", url) or (
            url.startswith("http://") and not plain
        ):
            raise ValueError("must be an https:// URL (Telegram posts only to HTTPS)")
        return url

    @field_validator("mesobot_webhook_secret")
    @classmethod
    def _is_webhook_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and not _SECRET_PATTERN.fullmatch(secret.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return secret

    @property
    def listen_host(self) -> str:
        """Where the web server listens: MESOBOT_LISTEN's host (WEBHOOK_LISTEN's if unset)."""
        return listen_address(self.mesobot_listen or WEBHOOK_LISTEN)[0]

    @property
    def listen_port(self) -> int:
        """MESOBOT_LISTEN's port (WEBHOOK_LISTEN's if unset)."""
        return listen_address(self.mesobot_listen or WEBHOOK_LISTEN)[1]

    def require_webhook(self) -> None:
        """Raise ConfigurationError unless the settings webhook mode needs are given."""
        for name in ("mesobot_webhook_url", "mesobot_webhook_secret"):
            if getattr(self, name) is None:
                raise ConfigurationError(f"{name.upper()} is not set (required with --webhook)")

    @field_validator("mesobot_staff_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(re.fullmatch(r"-?\d+", part) for part in parts):
                raise ValueError("must be Telegram user ids separated by commas")
            return [int(part) for part in parts]
        return value

    @property
    def feeds_enabled(self) -> bool:
        """Whether the bot serves calendar feeds: it has a public address and listens."""
        return self.mesobot_public_url is not None and self.mesobot_listen is not None

    @model_validator(mode="after")
    def _derive_file_url(self) -> Settings:
        if self.telegram_api_base_file_url is None:
            base = self.telegram_api_base_url
            # The file endpoint sits beside the method endpoint: .../bot -> .../file/bot
            head, _, tail = base.rpartition("/")
            self.telegram_api_base_file_url = f"{head}/file/{tail}"
        return self


WEBHOOK_LISTEN = "127.0.0.1:8443"  # webhook mode's address when MESOBOT_LISTEN is unset


def listen_address(value: str) -> tuple[str, int]:
    """MESOBOT_LISTEN's host and port ("[::1]:8080" gives "::1")."""
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings() -> Settings:
    """The bot's settings, or a ConfigurationError naming the first wrong setting."""
    return read_settings(Settings)


def read_settings(kind: type[_S]) -> _S:
    """Read settings of `kind`, turning a validation error into one line naming the setting."""
    try:
        return kind()
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        if first["type"] == "missing":
            raise ConfigurationError(f"{name} is not set") from None
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(f"{name} {reason}") from None
