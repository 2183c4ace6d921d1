"""Staff data stays in private chats: what the bot does with anything from a group or channel.

Every update from a non-private chat passes here first, before any feature sees it, so a
command or button added later is covered without a line of its own:

- in the staff group (MESOBOT_STAFF_CHAT_ID), a command or a button press gets one line, "send
  this to me in a private chat", unless it is on GROUP_SAFE_COMMANDS below; a pressed message
  is never edited, so Move then Back cannot turn a group message into a request view;
- in any other group or channel the bot says that same line and leaves; when it is added to
  one, it leaves at once and says nothing there.
"""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler

from mesobot import texts
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.staff_access import language_of
from mesobot.i18n import translations
from mesobot.services import Services

logger = logging.getLogger(__name__)

# The only views the staff group may get. /agenda and /week show, in a group, each session's
# time, code, state, the patient's initials and whether they said they will come: no name, no
# phone, no treatment (next to initials it can reveal a condition), no answer, no buttons.
# staff_agenda draws them so whenever the chat is not private. Everything else (requests,
# /pending, /patient, /session with its buttons, reports, calendar files, the booking flow)
# carries health or contact data, or acts on it, and is answered privately only.
GROUP_SAFE_COMMANDS = frozenset({"agenda", "week"})

_GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


def command_of(message: Message | None, bot_username: str) -> str | None:
    """The command a message gives this bot ("agenda"); None for anything else, including a
    command addressed to another bot ("/agenda@other_bot")."""
    if message is None or not message.text or not message.entities:
        return None
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    name, _, addressee = message.text[1 : first.length].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    return name.lower()


class OutsidePrivateChats(BaseHandler[Update, MesobotContext, None]):
    """Matches every update from a group, a supergroup or a channel; none from private chats."""

    def check_update(self, update: object) -> bool:
        """Whether `update` happened outside a private chat."""
        if not isinstance(update, Update):
            return False
        chat = update.effective_chat
        return chat is not None and chat.type != ChatType.PRIVATE


def _joined(change: ChatMemberUpdated) -> bool:
    """Whether the bot is (now) in the chat of `change`."""
    member = change.new_chat_member
    if member.status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status not in _GONE


async def _leave(context: MesobotContext, chat_id: int) -> None:
    try:
        await context.bot.leave_chat(chat_id)
    except TelegramError as error:
        logger.warning("Could not leave chat %d: %s", chat_id, error.message)
        return
    logger.info("Left chat %d: the bot works in private chats and the staff group only", chat_id)


async def _say_send_privately(update: Update, services: Services, command: str | None) -> None:
    """The one line, as the answer to a press or a reply to a command to this bot."""
    line = texts.send_privately(translations(await language_of(update, services)))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(line, show_alert=True)
        elif command is not None and update.effective_message is not None:
            await update.effective_message.reply_text(line)
    except TelegramError as error:  # a channel the bot may not post in, a chat it has left
        logger.warning("Could not answer in chat %s: %s", update.effective_chat, error.message)


def _staff_group_moved(update: Update, staff_chat_id: int | None) -> bool:
    """Whether this is the staff group turned into a supergroup (its id changes): logged, so
    that the operator can set MESOBOT_STAFF_CHAT_ID to the new id."""
    message = update.effective_message
    if message is None or staff_chat_id is None:
        return False
    moved_to = message.migrate_to_chat_id if message.chat.id == staff_chat_id else None
    moved_from = message.migrate_from_chat_id == staff_chat_id
    if moved_to is None and not moved_from:
        return False
    new_id = moved_to if moved_to is not None else message.chat.id
    logger.warning(
        "The staff group is now the supergroup %d: set MESOBOT_STAFF_CHAT_ID=%d", new_id, new_id
    )
    return True


async def on_outside_private_chat(update: Update, context: MesobotContext) -> None:
    """Let an allowed view through; answer anything else with the one line (and leave any
    group but the staff group). The update goes no further."""
    chat = update.effective_chat
    assert chat is not None  # OutsidePrivateChats matched it
    staff_chat_id = context.bot_data.services.settings.mesobot_staff_chat_id
    in_staff_group = chat.id == staff_chat_id
    if _staff_group_moved(update, staff_chat_id):
        raise ApplicationHandlerStop
    if update.my_chat_member is not None:
        if not in_staff_group and _joined(update.my_chat_member):
            await _leave(context, chat.id)
        raise ApplicationHandlerStop
    command = command_of(update.effective_message, context.bot.username)
    if in_staff_group and command in GROUP_SAFE_COMMANDS and update.callback_query is None:
        return  # on to its handler, which draws the group's view of it
    if command is not None or update.callback_query is not None:
        await _say_send_privately(update, context.bot_data.services, command)
    if not in_staff_group:
        await _leave(context, chat.id)
    raise ApplicationHandlerStop


def feature(_services: Services) -> Feature:
    """The gate for group chats, ahead of every other feature's handlers."""
    return Feature(first=[OutsidePrivateChats(on_outside_private_chat)])
