"""The one codec for inline-button data: typed, versioned, signed, at most 64 bytes.

A button's data is `<version><kind>.<field>.<field>.<signature>`: integers in base 36, dates as
YYYYMMDD, short tokens as they are. The signature (an HMAC of the rest, cut to 48 bits) makes the
bot refuse data it did not issue, such as a forged or altered button. PTB's
arbitrary_callback_data is not used: it keeps the data in memory and loses it on restart.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re
from datetime import date
from typing import Any, ClassVar, NamedTuple, TypeVar, get_type_hints

VERSION = "1"
MAX_BYTES = 64  # Telegram's limit for callback_data, in bytes
_SIGNATURE_CHARS = 8  # 6 bytes of HMAC in base64url
_SEPARATOR = "."
_TOKEN = re.compile(r"^[A-Za-z0-9_-]*$")
_MAX_INT = 36**13 - 1  # every non-negative 64-bit id fits in 13 base-36 digits
_INT = re.compile(r"-?[0-9a-z]{1,13}")
_DATE = re.compile(r"\d{8}")

_KINDS: dict[str, type[ButtonData]] = {}
_B = TypeVar("_B", bound="ButtonData")


class ButtonData:
    """Base of every kind of button data: a frozen dataclass with int, bool, date or str fields.

    Declare a kind as `@button("x")` over `@dataclass(frozen=True)`; str fields need an entry
    in `max_lengths`.
    """

    kind: ClassVar[str]
    max_lengths: ClassVar[dict[str, int]] = {}


def button(kind: str) -> Any:
    """Register a frozen dataclass as a kind of button data, checking its worst-case size."""

    def register(cls: type[_B]) -> type[_B]:
        if not re.fullmatch(r"[a-z]{1,3}", kind) or kind in _KINDS:
            raise ValueError(f"button kind {kind!r} must be 1-3 lowercase letters and unique")
        if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:
            raise TypeError(f"{cls.__name__} must be a frozen dataclass")
        cls.kind = kind
        worst = len(VERSION) + len(kind) + len(_SEPARATOR) + _SIGNATURE_CHARS
        for field in _layout(cls):
            worst += _max_field_length(cls, field) + len(_SEPARATOR)
        if worst > MAX_BYTES:
            raise ValueError(f"button kind {kind!r} can reach {worst} bytes, over {MAX_BYTES}")
        _KINDS[kind] = cls
        return cls

    return register


def registered_kinds() -> dict[str, type[ButtonData]]:
    """Every kind of button data the bot can issue, by its code."""
    return dict(_KINDS)


class _Field(NamedTuple):
    name: str
    kind: Any  # the annotation: bool, int, date or str
    max_length: int | None  # for a str field, from the class's max_lengths


_LAYOUTS: dict[type[ButtonData], tuple[_Field, ...]] = {}


def _layout(cls: type[ButtonData]) -> tuple[_Field, ...]:
    """A kind's fields in order, with their types: computed once per class, because
    `get_type_hints` evaluates every annotation anew each time and every screen signs its
    buttons."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        types = get_type_hints(cls)
        layout = _LAYOUTS[cls] = tuple(
            _Field(field.name, types[field.name], cls.max_lengths.get(field.name))
            for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        )
    return layout


def _max_field_length(cls: type[ButtonData], field: _Field) -> int:
    if field.kind is bool:
        return 1
    if field.kind is int:
        return 14  # a sign and 13 base-36 digits
    if field.kind is date:
        return 8
    if field.kind is str:
        if field.max_length is None:
            raise ValueError(f"{cls.__name__}.{field.name}: str fields need a max_lengths entry")
        return field.max_length
    raise TypeError(f"{cls.__name__}.{field.name}: {field.kind!r} cannot go into button data")


class CallbackCodec:
    """Encodes button data for Telegram and decodes what comes back, refusing foreign data."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"mesobot callback data\0" + secret).digest()

    def encode(self, data: ButtonData) -> str:
        """The callback_data string for `data`; ValueError if a field is out of range."""
        fields = [_encode_field(getattr(data, field.name), field) for field in _layout(type(data))]
        body = _SEPARATOR.join([VERSION + data.kind, *fields])
        encoded = f"{body}{_SEPARATOR}{self._sign(body)}"
        if len(encoded.encode()) > MAX_BYTES:  # pragma: no cover - prevented by @button
            raise ValueError(f"button data over {MAX_BYTES} bytes")
        return encoded

    def decode(self, raw: str | None) -> ButtonData | None:
        """The button data in `raw`, or None for anything this bot did not issue."""
        if not raw or len(raw.encode()) > MAX_BYTES:
            return None
        body, _, signature = raw.rpartition(_SEPARATOR)
        if not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            return None
        head, *values = body.split(_SEPARATOR)
        if not head.startswith(VERSION):
            return None
        cls = _KINDS.get(head[len(VERSION) :])
        if cls is None:
            return None
        fields = _layout(cls)
        if len(values) != len(fields):
            return None
        try:
            kwargs = {f.name: _decode_field(f, v) for f, v in zip(fields, values, strict=True)}
        except ValueError:
            return None
        return cls(**kwargs)

    def _sign(self, body: str) -> str:
        digest = hmac.digest(self._key, body.encode(), "sha256")[:6]  # OpenSSL's one-shot
        return base64.urlsafe_b64encode(digest).decode()


def _encode_field(value: Any, field: _Field) -> str:
    if field.kind is bool:
        return "1" if value else "0"
    if field.kind is int:
        if not -_MAX_INT <= value <= _MAX_INT:
            raise ValueError(f"{field.name}={value} is out of range for button data")
        return ("-" if value < 0 else "") + _base36(abs(value))
    if field.kind is date:
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"
    assert field.max_length is not None  # checked by @button
    if len(value) > field.max_length or not _TOKEN.match(value):
        raise ValueError(f"{field.name}={value!r} is not a short token (letters, digits, _ and -)")
    return str(value)


def _decode_field(field: _Field, raw: str) -> Any:
    if field.kind is bool:
        if raw not in ("0", "1"):
            raise ValueError(raw)
        return raw == "1"
    if field.kind is int:
        if not _INT.fullmatch(raw):
            raise ValueError(raw)
        return int(raw, 36)
    if field.kind is date:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    assert field.max_length is not None  # checked by @button
    if len(raw) > field.max_length or not _TOKEN.match(raw):
        raise ValueError(raw)
    return raw


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, remainder = divmod(number, 36)
        text = digits[remainder] + text
        if number == 0:
            return text
