"""Telegram's markup for the core's keyboards (`mesobot.screens`): the one place that builds it."""

from __future__ import annotations

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
