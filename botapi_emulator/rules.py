"""Limits the Bot API reference states only in prose: lengths, button actions, command names."""

import re
from collections.abc import Mapping
from typing import Any

from .errors import bad_request
from .html import EntityParseError, ParsedText, parse_html, plain_text, utf16_length

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_CALLBACK_DATA_BYTES = 64
# Fields of InlineKeyboardButton that are not its action, per the type's description.
_BUTTON_DECORATIONS = {"text", "icon_custom_emoji_id", "style"}
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def check_inline_button(button: dict[str, Any]) -> None:
    """Exactly one action per button; callback_data of 1-64 bytes."""
    actions = sorted(button.keys() - _BUTTON_DECORATIONS)
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, found {', '.join(actions)}"
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")


def check_bot_command(command: dict[str, Any]) -> None:
    """Command names match [a-z0-9_]{1,32}; descriptions have 1-256 characters."""
    if not _COMMAND_NAME.fullmatch(command["command"]):
        raise bad_request("BOT_COMMAND_INVALID")
    if not 1 <= utf16_length(command["description"]) <= 256:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


TYPE_CHECKS = {"InlineKeyboardButton": check_inline_button, "BotCommand": check_bot_command}


def check_parse_modes(value: Any) -> None:
    """Refuse every parse mode but HTML, at any depth: the project formats in HTML only."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key.endswith("parse_mode") and item != "HTML":
                raise bad_request(
                    f"unsupported parse_mode {item!r}: this project formats text in HTML only"
                )
            check_parse_modes(item)
    elif isinstance(value, list):
        for item in value:
            check_parse_modes(item)


def _parsed(params: Mapping[str, Any], key: str, entities_key: str) -> ParsedText:
    if params.get("parse_mode") == "HTML":
        try:
            return parse_html(params[key])
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    return plain_text(params[key], params.get(entities_key))


def message_text(params: Mapping[str, Any]) -> ParsedText:
    """Parse the text parameter; 1-4096 UTF-16 code units after entity parsing."""
    parsed = _parsed(params, "text", "entities")
    if not parsed.text:
        raise bad_request("message text is empty")
    if utf16_length(parsed.text) > MAX_TEXT:
        raise bad_request("message is too long")
    return parsed


def caption(params: Mapping[str, Any]) -> ParsedText | None:
    """Parse the caption parameter, when given; at most 1024 UTF-16 code units."""
    if "caption" not in params:
        return None
    parsed = _parsed(params, "caption", "caption_entities")
    if utf16_length(parsed.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return parsed


def callback_answer_text(params: Mapping[str, Any]) -> None:
    """answerCallbackQuery shows at most 200 characters."""
    if utf16_length(params.get("text", "")) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
