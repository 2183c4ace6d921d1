"""The command menus: the patients' and the staff's, per language or for one chat.

Telegram picks a chat's menu by scope first and app language second: a chat-scoped menu
without a language beats the patients' menu in every app language, while a chat-scoped menu
for one app language beats the chat's own. So a chat whose language is chosen (/language, or
stored for a staff member) gets one chat-scoped menu in it, and loses any per-language ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat

from mesobot import texts
from mesobot.i18n import translations
from mesobot.texts import staff as staff_texts


def patient_commands(language: str) -> list[BotCommand]:
    """The patients' menu in `language`."""
    pairs = texts.command_descriptions(translations(language))
    return [BotCommand(name, text) for name, text in pairs]


def staff_commands(language: str) -> list[BotCommand]:
    """The staff menu in `language`."""
    pairs = staff_texts.staff_command_descriptions(translations(language))
    return [BotCommand(name, text) for name, text in pairs]


async def publish_staff_menu_per_language(
    bot: Bot, staff_id: int, languages: Sequence[str]
) -> None:
    """The staff menu in this staff member's chat in each of the clinic's `languages` (the
    first for any other app language): for staff whose language is not stored yet."""
    for language in languages:
        await bot.set_my_commands(
            staff_commands(language),
            scope=BotCommandScopeChat(staff_id),
            language_code=None if language == languages[0] else language,
        )


async def set_chat_menu(
    bot: Bot, chat_id: int, commands: list[BotCommand], *, clear: Sequence[str] = ()
) -> None:
    """`commands` as this chat's menu whatever the app's language; the chat-scoped menus for
    the app languages in `clear` (set before the language was chosen) are removed."""
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
    for language in clear:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id), language_code=language)
