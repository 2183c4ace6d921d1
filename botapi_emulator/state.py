"""Users, chats, messages and files the emulator keeps, rendered as Bot API objects."""

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .schema import Upload

ApiObject = dict[str, Any]
T = TypeVar("T")


class Changes:
    """Wakes every waiter whenever the emulator's state changes; waits are by condition."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []
        # Counts the changes, so that an observer (the demo's page) can ask "anything new?".
        self.version = 0

    def notify(self) -> None:
        """Tell every waiter to check its condition again."""
        self.version += 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, condition: Callable[[], T | None], within: float) -> T:
        """Return condition()'s first truthy value; raise TimeoutError after `within` seconds."""
        async with asyncio.timeout(within):
            while not (result := condition()):
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                await waiter
            return result


@dataclass(eq=False)
class User:
    """A Telegram account, a person or the bot itself."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started_bot: bool = False
    blocked_bot: bool = False

    def to_api(self) -> ApiObject:
        """Render as a User object."""
        user: ApiObject = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        user.update({key: value for key, value in optional.items() if value is not None})
        return user


@dataclass(eq=False)
class StoredFile:
    """A file the bot uploaded or a user sent, served under /file/bot<token>/<file_path>."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_name: str | None
    mime_type: str | None

    @property
    def file_path(self) -> str:
        """Return the path getFile hands out."""
        return f"documents/{self.file_unique_id}"

    def to_api(self) -> ApiObject:
        """Render as a File object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }

    def document(self) -> ApiObject:
        """Render as a Document object."""
        document = {key: value for key, value in self.to_api().items() if key != "file_path"}
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document

    def photo_sizes(self) -> list[ApiObject]:
        """Render as a one-size photo; the emulator does not decode images, so 1x1."""
        sizes = {key: value for key, value in self.to_api().items() if key != "file_path"}
        return [{**sizes, "width": 1, "height": 1}]


@dataclass(eq=False)
class Message:
    """A message in a chat, with its current content and its earlier versions."""

    chat: "Chat"
    message_id: int
    sender: User
    date: int
    text: str | None = None
    entities: list[ApiObject] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[ApiObject] = field(default_factory=list)
    reply_markup: ApiObject | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    contact: ApiObject | None = None
    venue: ApiObject | None = None
    forward_origin: ApiObject | None = None
    reply_to: "Message | None" = None
    edit_date: int | None = None
    deleted: bool = False
    earlier_versions: list[ApiObject] = field(default_factory=list)

    @property
    def from_bot(self) -> bool:
        """Return whether the bot sent this message."""
        return self.sender.is_bot

    @property
    def content(self) -> tuple[Any, ...]:
        """Return what an edit must change, or Telegram answers "message is not modified"."""
        return (self.text, self.entities, self.caption, self.caption_entities, self.reply_markup)

    @property
    def buttons(self) -> list[ApiObject]:
        """Return the inline buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def button_labels(self) -> list[str]:
        """Return the inline buttons' labels, row by row."""
        return [button["text"] for button in self.buttons]

    def to_api(self, *, with_reply: bool = True) -> ApiObject:
        """Render as a Message object."""
        message: ApiObject = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_api(),
            "from": self.sender.to_api(),
        }
        optional: ApiObject = {
            "text": self.text,
            "entities": self.entities or None,
            "caption": self.caption,
            "caption_entities": self.caption_entities or None,
            "reply_markup": self.reply_markup,
            "document": self.document.document() if self.document else None,
            "photo": self.photo.photo_sizes() if self.photo else None,
            "contact": self.contact,
            "venue": self.venue,
            "location": self.venue["location"] if self.venue else None,
            "forward_origin": self.forward_origin,
            "edit_date": self.edit_date,
            "reply_to_message": (
                self.reply_to.to_api(with_reply=False) if self.reply_to and with_reply else None
            ),
        }
        message.update({key: value for key, value in optional.items() if value is not None})
        return message


@dataclass(eq=False)
class Chat:
    """A private chat with one user, or a group such as the clinic's staff group."""

    id: int
    type: str
    title: str | None = None
    user: User | None = None
    members: list[User] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    # The reply keyboard the user's client shows now (the last one sent, until removed).
    reply_keyboard: ApiObject | None = None
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def next_message_id(self) -> int:
        """Allocate the chat's next message id."""
        return next(self._message_ids)

    def message(self, message_id: int) -> Message | None:
        """Return a message that has not been deleted, by id."""
        return next(
            (m for m in self.messages if m.message_id == message_id and not m.deleted), None
        )

    @property
    def bot_messages(self) -> list[Message]:
        """Return what the bot sent here, in order, including deleted messages."""
        return [message for message in self.messages if message.from_bot]

    def to_api(self) -> ApiObject:
        """Render as a Chat object."""
        if self.user is not None:
            names = ("first_name", "last_name", "username")
            private = {k: v for k, v in self.user.to_api().items() if k in names}
            return {"id": self.id, "type": "private"} | private
        return {"id": self.id, "type": self.type, "title": self.title}

    def full_info(self) -> ApiObject:
        """Render as a ChatFullInfo object, for getChat."""
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return self.to_api() | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys((*gifts, "gifts_from_channels"), False),
        }


@dataclass(eq=False)
class CallbackQueryRecord:
    """A button press sent to the bot, and how (or whether) the bot answered it."""

    id: str
    user: User
    message: Message
    data: str
    sent_at: float
    answer: ApiObject | None = None

    @property
    def answered(self) -> bool:
        """Return whether the bot called answerCallbackQuery for it in time."""
        return self.answer is not None


def stored_upload(upload: Upload, number: int) -> StoredFile:
    """Keep an uploaded file under fresh identifiers."""
    return StoredFile(
        file_id=f"BQAC-file-{number}",
        file_unique_id=f"AgAD{number}",
        content=upload.content,
        file_name=upload.filename,
        mime_type=upload.content_type,
    )
