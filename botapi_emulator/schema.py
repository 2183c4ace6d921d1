"""Checks Bot API calls against the official reference (botapi/api.json), field by field."""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import bad_request

REFERENCE = Path(__file__).parent / "botapi" / "api.json"
_DISCRIMINATOR = re.compile(r'(?:must be|always) "?([a-z_]+)"?')
_ARRAY = "Array of "
# Telegram's wording for the required parameters it names itself.
_MISSING_WORDING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "photo": "there is no photo in the request",
    "document": "there is no document in the request",
}

TypeCheck = Callable[[dict[str, Any]], None]


@dataclass
class Upload:
    """One file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str


class _Mismatch(Exception):
    """A value does not fit the reference; the message names where."""


@cache
def load_reference() -> dict[str, Any]:
    """Load the vendored api.json once."""
    with REFERENCE.open(encoding="utf-8") as file:
        reference: dict[str, Any] = json.load(file)
    return reference


class BotApiSchema:
    """Validates a method call's parameters and returns them decoded into Python values."""

    def __init__(self, type_checks: Mapping[str, TypeCheck]) -> None:
        reference = load_reference()
        self.methods: dict[str, Any] = reference["methods"]
        self.types: dict[str, Any] = reference["types"]
        self._type_checks = type_checks
        # Telegram matches method names without regard to case.
        self._by_lower_name = {name.lower(): name for name in self.methods}

    def canonical_method(self, name: str) -> str | None:
        """Return the reference's spelling of a method, or None when there is no such method."""
        return self._by_lower_name.get(name.lower())

    def validate_call(
        self, method: str, raw: Mapping[str, Any], uploads: Mapping[str, Upload], *, form: bool
    ) -> dict[str, Any]:
        """Check every parameter; raise a 400 ApiError naming the first violation."""
        fields = {field["name"]: field for field in self.methods[method].get("fields", [])}
        for name in raw:
            if name not in fields and not _tolerated(method, name):
                raise bad_request(f'unknown parameter "{name}" for method {method}')
        for name in uploads:
            if name in fields and name in raw:
                raise bad_request(f'parameter "{name}" is sent twice')
        params: dict[str, Any] = {}
        for name, field in fields.items():
            if name in uploads:
                if "InputFile" not in field["types"]:
                    raise bad_request(f'parameter "{name}" can\'t be a file')
                params[name] = uploads[name]
            elif name in raw:
                params[name] = self._parameter(name, raw[name], field["types"], uploads, form)
            elif field["required"]:
                raise bad_request(_MISSING_WORDING.get(name, f'parameter "{name}" is required'))
        return params

    def check_object(self, value: Any, type_name: str) -> None:
        """Check an object the emulator produces (an Update, a Message) against the reference."""
        try:
            self._check(value, type_name, type_name, {})
        except _Mismatch as mismatch:
            raise AssertionError(str(mismatch)) from None

    def _parameter(
        self, name: str, value: Any, types: list[str], uploads: Mapping[str, Upload], form: bool
    ) -> Any:
        try:
            if form:
                return self._from_form_field(value, types, name, uploads)
            return self._union(value, types, name, uploads)
        except _Mismatch as mismatch:
            raise bad_request(str(mismatch)) from None

    def _from_form_field(
        self, text: str, types: list[str], name: str, uploads: Mapping[str, Upload]
    ) -> Any:
        """Decode a form field the way the server does: scalars from text, objects from JSON."""
        # Try String last, so that chat_id "123" becomes the integer 123 as on Telegram.
        for type_name in sorted(types, key=lambda type_name: type_name == "String"):
            scalar = _scalar_from_text(text, type_name, uploads)
            if scalar is not _NO_VALUE:
                return scalar
        structured = [t for t in types if t.startswith(_ARRAY) or t in self.types]
        structured = [t for t in structured if t != "InputFile"]
        if not structured:
            raise _Mismatch(f'parameter "{name}" must be of type {" or ".join(types)}')
        try:
            decoded = json.loads(text)
        except ValueError:
            raise _Mismatch(f"can't parse {name} JSON object") from None
        return self._union(decoded, structured, name, uploads)

    def _union(
        self, value: Any, types: list[str], path: str, uploads: Mapping[str, Upload]
    ) -> Any:
        if len(types) == 1:
            return self._check(value, types[0], path, uploads)
        failures: dict[str, _Mismatch] = {}
        for type_name in types:
            try:
                return self._check(value, type_name, path, uploads)
            except _Mismatch as mismatch:
                failures[type_name] = mismatch
        if isinstance(value, dict):
            # Report the error of the alternative the caller evidently meant.
            for type_name, failure in failures.items():
                required = self._required_fields(type_name)
                if required and required <= value.keys():
                    raise failure
        raise _Mismatch(f'field "{path}" must be of type {" or ".join(types)}')

    def _required_fields(self, type_name: str) -> set[str]:
        spec = self.types.get(type_name, {})
        return {field["name"] for field in spec.get("fields", []) if field["required"]}

    def _check(self, value: Any, type_name: str, path: str, uploads: Mapping[str, Upload]) -> Any:
        if type_name.startswith(_ARRAY):
            if not isinstance(value, list):
                raise _Mismatch(f'field "{path}" must be an {type_name}')
            inner = type_name.removeprefix(_ARRAY)
            return [
                self._check(item, inner, f"{path}[{index}]", uploads)
                for index, item in enumerate(value)
            ]
        if type_name in _JSON_SCALARS:
            if not _JSON_SCALARS[type_name](value):
                raise _Mismatch(f'field "{path}" must be of type {type_name}')
            return value
        if type_name == "InputFile":
            return _attached_file(value, uploads, path)
        return self._object(value, type_name, path, uploads)

    def _object(self, value: Any, type_name: str, path: str, uploads: Mapping[str, Upload]) -> Any:
        if not isinstance(value, dict):
            raise _Mismatch(f'field "{path}" must be a JSON object of type {type_name}')
        spec = self.types[type_name]
        if "subtypes" in spec:
            subtype = self._subtype(value, spec, path)
            if subtype is None:
                return self._union(value, spec["subtypes"], path, uploads)
            return self._object(value, subtype, path, uploads)
        fields = {field["name"]: field for field in spec.get("fields", [])}
        for key in value:
            if key not in fields:
                raise _Mismatch(f'unknown field "{path}.{key}" in {type_name}')
        checked = {}
        for name, field in fields.items():
            if name in value:
                checked[name] = self._union(value[name], field["types"], f"{path}.{name}", uploads)
            elif field["required"]:
                raise _Mismatch(f'field "{path}.{name}" of {type_name} is required')
        if type_name in self._type_checks:
            self._type_checks[type_name](checked)
        return checked

    def _subtype(self, value: dict[str, Any], spec: dict[str, Any], path: str) -> str | None:
        """Pick the subtype named by the "type" field; None when subtypes have no such field."""
        discriminated = False
        for subtype in spec["subtypes"]:
            for field in self.types[subtype].get("fields", []):
                match = _DISCRIMINATOR.search(field["description"])
                discriminated = discriminated or bool(field["name"] == "type" and match)
                if field["name"] == "type" and match and match.group(1) == value.get("type"):
                    return str(subtype)
        if not discriminated:
            return None
        raise _Mismatch(f'unsupported "{path}.type" {value.get("type")!r} for {spec["name"]}')


_NO_VALUE = object()
_JSON_SCALARS: dict[str, Callable[[Any], bool]] = {
    "String": lambda value: isinstance(value, str),
    "Integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "Float": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "Boolean": lambda value: isinstance(value, bool),
    "True": lambda value: value is True,
}


def _scalar_from_text(text: str, type_name: str, uploads: Mapping[str, Upload]) -> Any:
    """Decode one form field as a scalar of type_name, or return _NO_VALUE."""
    if type_name == "String":
        return text
    if type_name == "Integer" and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if type_name == "Float" and re.fullmatch(r"-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?", text):
        return float(text)
    if type_name in ("Boolean", "True") and text.lower() in ("true", "1"):
        return True
    if type_name == "Boolean" and text.lower() in ("false", "0"):
        return False
    if type_name == "InputFile" and text.startswith("attach://"):
        return _attached_file(text, uploads, "")
    return _NO_VALUE


def _attached_file(value: Any, uploads: Mapping[str, Upload], path: str) -> Upload:
    name = value.removeprefix("attach://") if isinstance(value, str) else ""
    if not isinstance(value, str) or not value.startswith("attach://") or name not in uploads:
        raise _Mismatch(f'field "{path}" must be an attach:// reference to an uploaded file')
    return uploads[name]


def _tolerated(method: str, name: str) -> bool:
    """A parameter the method lacks that Telegram ignores and PTB always sends: with
    Defaults(parse_mode), Bot._send_message passes parse_mode to every send method, such as
    sendVenue, which has none. Any other unknown parameter (a typo) stays an error."""
    return name == "parse_mode" and method.startswith("send")
