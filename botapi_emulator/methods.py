"""The Bot API methods as the bot sees them, with Telegram's behaviour and refusals."""

from collections.abc import Awaitable, Callable
from typing import Any

from . import rules
from .errors import ApiError, bad_request, forbidden
from .schema import Upload
from .state import ApiObject, Message, StoredFile
from .world import World

Params = dict[str, Any]
Method = Callable[[World, Params], Awaitable[Any]]
METHODS: dict[str, Method] = {}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def method(function: Method) -> Method:
    """Register a method implementation under its Bot API name."""
    name = function.__name__.removeprefix("_")
    METHODS[name[0].lower() + name[1:]] = function
    return function


def _inline_markup(params: Params) -> ApiObject | None:
    markup = params.get("reply_markup")
    # Only inline keyboards belong to the message; reply keyboards live in the user's client.
    return markup if markup and "inline_keyboard" in markup else None


def _reply_target(world: World, params: Params, chat_id: int) -> Message | None:
    reply = params.get("reply_parameters")
    if reply is None:
        return None
    chat = world.find_chat(reply.get("chat_id", chat_id))
    target = chat.message(reply["message_id"])
    if target is None and not reply.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return target


async def _send(world: World, params: Params, **content: Any) -> ApiObject:
    chat = world.chat_for_sending(params["chat_id"])
    reply_to = _reply_target(world, params, chat.id)
    markup = params.get("reply_markup") or {}
    if "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    message = world.add_message(
        chat, world.bot, reply_markup=_inline_markup(params), reply_to=reply_to, **content
    )
    return message.to_api()


def _file(world: World, value: Upload | str, kind: str) -> StoredFile:
    if isinstance(value, Upload):
        return world.store_file(value)
    if value in world.files:
        return world.files[value]
    raise bad_request(f"wrong file identifier/HTTP URL specified for the {kind}")


def _editable(world: World, params: Params) -> Message:
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")
    if "chat_id" not in params or "message_id" not in params:
        raise bad_request("message identifier is not specified")
    message = world.find_chat(params["chat_id"]).message(params["message_id"])
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(world: World, message: Message, **changes: Any) -> ApiObject:
    before = message.content
    snapshot = message.to_api()
    for key, value in changes.items():
        setattr(message, key, value)
    if message.content == before:
        raise bad_request(NOT_MODIFIED)
    message.earlier_versions.append(snapshot)
    message.edit_date = world.now()
    world.changes.notify()
    return message.to_api()


@method
async def _getMe(world: World, params: Params) -> ApiObject:
    return world.bot.to_api() | {
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


@method
async def _getUpdates(world: World, params: Params) -> list[ApiObject]:
    limit = min(max(params.get("limit", 100), 1), 100)
    return await world.updates.poll(
        params.get("offset"), limit, params.get("timeout", 0), params.get("allowed_updates")
    )


@method
async def _setWebhook(world: World, params: Params) -> bool:
    if params.get("drop_pending_updates"):
        world.updates.drop_pending()
    if "allowed_updates" in params:
        world.updates.allowed_updates = params["allowed_updates"]
    world.updates.max_connections = int(params.get("max_connections", 40))
    world.updates.set_webhook(params["url"], params.get("secret_token"))
    return True


@method
async def _deleteWebhook(world: World, params: Params) -> bool:
    if params.get("drop_pending_updates"):
        world.updates.drop_pending()
    world.updates.set_webhook("", None)
    return True


@method
async def _getWebhookInfo(world: World, params: Params) -> ApiObject:
    return {
        "url": world.updates.webhook_url or "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates.pending),
    }


@method
async def _sendMessage(world: World, params: Params) -> ApiObject:
    parsed = rules.message_text(params)
    return await _send(world, params, text=parsed.text, entities=parsed.entities)


@method
async def _sendDocument(world: World, params: Params) -> ApiObject:
    caption = rules.caption(params)
    document = _file(world, params["document"], "document")
    return await _send(world, params, document=document, **_caption_fields(caption))


@method
async def _sendPhoto(world: World, params: Params) -> ApiObject:
    caption = rules.caption(params)
    photo = _file(world, params["photo"], "photo")
    return await _send(world, params, photo=photo, **_caption_fields(caption))


@method
async def _sendVenue(world: World, params: Params) -> ApiObject:
    location = {"latitude": params["latitude"], "longitude": params["longitude"]}
    venue = {"location": location, "title": params["title"], "address": params["address"]}
    return await _send(world, params, venue=venue)


def _caption_fields(caption: Any) -> dict[str, Any]:
    if caption is None:
        return {}
    return {"caption": caption.text or None, "caption_entities": caption.entities}


@method
async def _sendChatAction(world: World, params: Params) -> bool:
    world.chat_for_sending(params["chat_id"])
    return True


@method
async def _editMessageText(world: World, params: Params) -> ApiObject:
    parsed = rules.message_text(params)
    message = _editable(world, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    return _apply_edit(
        world,
        message,
        text=parsed.text,
        entities=parsed.entities,
        reply_markup=_inline_markup(params),
    )


@method
async def _editMessageCaption(world: World, params: Params) -> ApiObject:
    caption = rules.caption(params) or rules.caption({"caption": ""})
    message = _editable(world, params)
    if message.text is not None:
        raise bad_request("there is no caption in the message to edit")
    fields = _caption_fields(caption)
    return _apply_edit(world, message, reply_markup=_inline_markup(params), **fields)


@method
async def _editMessageReplyMarkup(world: World, params: Params) -> ApiObject:
    message = _editable(world, params)
    return _apply_edit(world, message, reply_markup=_inline_markup(params))


@method
async def _deleteMessage(world: World, params: Params) -> bool:
    message = world.find_chat(params["chat_id"]).message(params["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    world.changes.notify()
    return True


@method
async def _answerCallbackQuery(world: World, params: Params) -> bool:
    rules.callback_answer_text(params)
    query = world.callback_queries.get(params["callback_query_id"])
    too_late = query and world.clock() - query.sent_at > world.callback_answer_timeout
    if query is None or query.answered or too_late:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    query.answer = dict(params)
    world.changes.notify()
    return True


def _commands_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return repr(sorted(scope.items())), params.get("language_code", "")


@method
async def _setMyCommands(world: World, params: Params) -> bool:
    if len(params["commands"]) > 100:
        raise bad_request("too many commands")
    world.commands[_commands_key(params)] = params["commands"]
    return True


@method
async def _getMyCommands(world: World, params: Params) -> list[ApiObject]:
    return world.commands.get(_commands_key(params), [])


@method
async def _deleteMyCommands(world: World, params: Params) -> bool:
    world.commands.pop(_commands_key(params), None)
    return True


@method
async def _getChat(world: World, params: Params) -> ApiObject:
    return world.find_chat(params["chat_id"]).full_info()


@method
async def _leaveChat(world: World, params: Params) -> bool:
    chat = world.find_chat(params["chat_id"])
    if chat.user is not None:
        raise bad_request("chat member status can't be changed in private chats")
    if world.bot not in chat.members:
        raise forbidden("bot is not a member of the supergroup chat")
    chat.members.remove(world.bot)
    world.changes.notify()
    return True


@method
async def _getFile(world: World, params: Params) -> ApiObject:
    stored = world.files.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.to_api()


@method
async def _logOut(world: World, params: Params) -> bool:
    return True


@method
async def _close(world: World, params: Params) -> bool:
    return True


def chat_of_call(params: Params) -> object:
    """Return the chat a call is about, for flood control and fault matching."""
    return params.get("chat_id")


__all__ = ["METHODS", "ApiError", "chat_of_call"]
