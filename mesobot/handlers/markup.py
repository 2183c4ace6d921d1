"""Telegram's markup for the core's keyboards (`mesobot.screens`): the one place that builds it."""

from __future__ import annotations

import json

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from mesobot.screens import InlineRows, Keyboard, RemoveKeyboard, SharePhone

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def inline_markup(rows: InlineRows) -> InlineKeyboardMarkup | None:
    """Inline buttons as Telegram's markup; None without any."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.callback_data) for b in row]
            for row in rows
        ]
    )


def reply_markup(keyboard: Keyboard) -> Markup | None:
    """Any core keyboard as Telegram's markup: inline, the share-phone button, or its removal."""
    if keyboard is None:
        return None
    if isinstance(keyboard, SharePhone):
        share = KeyboardButton(keyboard.label, request_contact=True)
        return ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=True)
    if isinstance(keyboard, RemoveKeyboard):
        return ReplyKeyboardRemove()
    return inline_markup(keyboard)


def screen_markup(keyboard: Keyboard) -> Markup | str | None:
    """`reply_markup` for a flow screen (`MesobotBot.send_screen`): inline buttons as the JSON
    Telegram reads, built straight from the core's buttons. Building PTB's button objects only
    to turn them back into JSON cost 0.6 ms of CPU for a month's calendar, more than the rest
    of the send (issue 13)."""
    if keyboard is None or isinstance(keyboard, SharePhone | RemoveKeyboard):
        return reply_markup(keyboard)
    if not keyboard:
        return None
    rows = [[{"text": b.label, "callback_data": b.callback_data} for b in row] for row in keyboard]
    return json.dumps({"inline_keyboard": rows}, ensure_ascii=False, separators=(",", ":"))
