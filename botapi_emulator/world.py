"""Everything the emulated Telegram knows: accounts, chats, files, button presses, updates."""

import itertools
from collections.abc import Callable
from typing import Any

from .errors import bad_request, forbidden
from .schema import Upload
from .state import (
    ApiObject,
    CallbackQueryRecord,
    Changes,
    Chat,
    Message,
    StoredFile,
    User,
    stored_upload,
)
from .updates import UpdateQueue


class World:
    """The shared state behind the HTTP API (the bot's side) and the driver (the users' side)."""

    def __init__(
        self, *, bot: User, clock: Callable[[], float], callback_answer_timeout: float
    ) -> None:
        self.bot = bot
        self.clock = clock
        self.callback_answer_timeout = callback_answer_timeout
        self.changes = Changes()
        self.updates = UpdateQueue(self.changes)
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[ApiObject]] = {}
        self._user_ids = itertools.count(100_001)
        self._group_ids = itertools.count(1_000_000_001)
        self._numbers = itertools.count(1)

    def now(self) -> int:
        """Return the current time as a Bot API date."""
        return int(self.clock())

    def next_number(self) -> int:
        """Return a fresh number for identifiers."""
        return next(self._numbers)

    def add_user(self, first_name: str, **details: Any) -> User:
        """Create an account with its private chat with the bot."""
        user = User(id=next(self._user_ids), first_name=first_name, **details)
        self.users[user.id] = user
        self.chats[user.id] = Chat(id=user.id, type="private", user=user, members=[user])
        return user

    def add_group(self, title: str, members: list[User], kind: str = "supergroup") -> Chat:
        """Create a group the bot is a member of."""
        group_id = -next(self._group_ids) if kind == "group" else -(10**12 + self.next_number())
        chat = Chat(id=group_id, type=kind, title=title, members=[self.bot, *members])
        self.chats[chat.id] = chat
        return chat

    def store_file(self, upload: Upload) -> StoredFile:
        """Keep an uploaded file so getFile and the file URL can serve it."""
        stored = stored_upload(upload, self.next_number())
        self.files[stored.file_id] = stored
        return stored

    def chat_for_sending(self, chat_id: int | str) -> Chat:
        """Return the chat the bot may write to, or Telegram's refusal."""
        chat = self.find_chat(chat_id)
        if chat.user is not None:
            if chat.user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not chat.user.started_bot:
                raise forbidden("bot can't initiate conversation with a user")
        elif self.bot not in chat.members:
            raise forbidden("bot is not a member of the supergroup chat")
        return chat

    def find_chat(self, chat_id: int | str) -> Chat:
        """Return a chat by id or @username, or 400 chat not found."""
        if isinstance(chat_id, str):
            chat = next(
                (c for c in self.chats.values() if c.user and f"@{c.user.username}" == chat_id),
                None,
            )
        else:
            chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def add_message(self, chat: Chat, sender: User, **content: Any) -> Message:
        """Append a message to a chat and tell waiters."""
        message = Message(
            chat=chat, message_id=chat.next_message_id(), sender=sender, date=self.now(), **content
        )
        chat.messages.append(message)
        self.changes.notify()
        return message

    def unanswered_callback_queries(self) -> list[CallbackQueryRecord]:
        """Return the button presses the bot never answered."""
        return [query for query in self.callback_queries.values() if not query.answered]
