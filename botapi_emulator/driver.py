"""The users' side of Telegram, for tests: send text, commands, photos, contacts; press buttons."""

from collections.abc import Callable

from .html import utf16_length
from .schema import Upload
from .state import ApiObject, CallbackQueryRecord, Chat, Message, User
from .world import World

# The smallest valid PNG (1x1 transparent pixel), for photos whose content does not matter.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class TelegramUser:
    """A person using Telegram: writes to the bot privately or in a group, presses buttons."""

    def __init__(self, world: World, user: User) -> None:
        self._world = world
        self.user = user

    @property
    def id(self) -> int:
        """Return the user id, which is also the private chat's id."""
        return self.user.id

    @property
    def chat(self) -> Chat:
        """Return the private chat with the bot."""
        return self._world.chats[self.user.id]

    @property
    def bot_messages(self) -> list[Message]:
        """Return what the bot sent in the private chat, including deleted messages."""
        return self.chat.bot_messages

    def _post(self, chat: Chat | None, **content: object) -> Message:
        chat = chat or self.chat
        if chat.user is self.user:
            # Telegram only lets a user write after pressing Start, which sends /start.
            self.user.started_bot = True
        message = self._world.add_message(chat, self.user, **content)
        self._world.updates.push("message", message.to_api())
        return message

    def send_text(
        self, text: str, *, chat: Chat | None = None, reply_to: Message | None = None
    ) -> Message:
        """Send a plain text message (to the bot privately unless chat is given)."""
        return self._post(chat, text=text, reply_to=reply_to)

    def send_command(
        self, command: str, arguments: str = "", *, chat: Chat | None = None
    ) -> Message:
        """Send /command with a bot_command entity; in groups it is addressed as /command@bot."""
        command = command.removeprefix("/")
        if chat is not None and chat.user is None:
            command = f"{command}@{self._world.bot.username}"
        head = f"/{command}"
        entity = {"type": "bot_command", "offset": 0, "length": utf16_length(head)}
        text = f"{head} {arguments}" if arguments else head
        return self._post(chat, text=text, entities=[entity])

    def send_photo(
        self, content: bytes = TINY_PNG, *, caption: str | None = None, chat: Chat | None = None
    ) -> Message:
        """Send a photo; its bytes are then served by getFile and the file URL."""
        photo = self._world.store_file(Upload("photo.png", content, "image/png"))
        return self._post(chat, photo=photo, caption=caption)

    def send_contact(
        self, phone_number: str, *, own: bool = True, chat: Chat | None = None
    ) -> Message:
        """Share a phone number; own=True shares the user's own contact card."""
        contact: ApiObject = {"phone_number": phone_number, "first_name": self.user.first_name}
        if own:
            contact["user_id"] = self.user.id
        return self._post(chat, contact=contact)

    def forward(self, message: Message, *, chat: Chat | None = None) -> Message:
        """Forward a message (to the bot privately unless chat is given)."""
        origin = {"type": "user", "date": message.date, "sender_user": message.sender.to_api()}
        return self._post(
            chat,
            text=message.text,
            entities=list(message.entities),
            caption=message.caption,
            photo=message.photo,
            document=message.document,
            contact=message.contact,
            forward_origin=origin,
        )

    def press_button(
        self, label: str | None = None, *, data: str | None = None, message: Message | None = None
    ) -> CallbackQueryRecord:
        """Press an inline button by label (or send raw data) on message, by default the bot's
        latest message in the private chat that shows such a button."""
        if message is None:
            message = next(
                m for m in reversed(self.bot_messages) if not m.deleted and _has(m, label, data)
            )
        if data is None:
            button = next((b for b in message.buttons if b["text"] == label), None)
            if button is None or "callback_data" not in button:
                raise LookupError(f"no callback button {label!r} in {message.button_labels}")
            data = button["callback_data"]
        query = CallbackQueryRecord(
            id=str(self._world.next_number() * 7919),
            user=self.user,
            message=message,
            data=data,
            sent_at=self._world.clock(),
        )
        self._world.callback_queries[query.id] = query
        payload = {
            "id": query.id,
            "from": self.user.to_api(),
            "message": message.to_api(),
            "chat_instance": str(message.chat.id),
            "data": data,
        }
        self._world.updates.push("callback_query", payload)
        return query

    def block_bot(self) -> None:
        """Block the bot; it gets a my_chat_member update and 403 on every message after."""
        self.user.blocked_bot = True
        self._member_update("member", "kicked")

    def unblock_bot(self) -> None:
        """Unblock the bot (Telegram's Restart button); it gets a my_chat_member update."""
        self.user.blocked_bot = False
        self._member_update("kicked", "member")

    def add_bot_to(self, chat: Chat) -> None:
        """Add the bot to a group this user is in; the bot gets a my_chat_member update."""
        if self._world.bot not in chat.members:
            chat.members.append(self._world.bot)
        self._member_update("left", "member", chat=chat)

    def _member_update(self, old: str, new: str, *, chat: Chat | None = None) -> None:
        bot = self._world.bot.to_api()

        def member(status: str) -> ApiObject:
            return {"status": status, "user": bot} | (
                {"until_date": 0} if status == "kicked" else {}
            )

        self._world.updates.push(
            "my_chat_member",
            {
                "chat": (chat or self.chat).to_api(),
                "from": self.user.to_api(),
                "date": self._world.now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    async def next_bot_message(
        self,
        after: Message | None = None,
        *,
        chat: Chat | None = None,
        where: Callable[[Message], bool] = lambda message: True,
        within: float = 5.0,
    ) -> Message:
        """Wait for the bot's first message in chat (private by default) after `after` (by
        default after this user's latest message there)."""
        chat = chat or self.chat
        if after is None:
            after = next((m for m in reversed(chat.messages) if m.sender is self.user), None)
        start = chat.messages.index(after) + 1 if after else 0

        def found() -> Message | None:
            later = chat.messages[start:]
            return next((m for m in later if m.from_bot and where(m)), None)

        return await self._world.changes.wait_for(found, within)


def _has(message: Message, label: str | None, data: str | None) -> bool:
    if data is not None:
        return True
    return label in message.button_labels
