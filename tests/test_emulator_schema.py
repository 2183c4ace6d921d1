"""The emulator refuses, over HTTP to the real PTB Bot, every call the Bot API forbids."""

import re
import warnings
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
)
from telegram.error import BadRequest, EndPointNotFound
from telegram.warnings import PTBUserWarning

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator


@pytest.fixture
def anna(emulator: BotApiEmulator) -> TelegramUser:
    """A user who has started the bot."""
    user = emulator.create_user("Anna")
    user.send_command("start")
    return user


def ignoring_case(fragment: str) -> str:
    """Return a pattern for an error message as PTB words it (capitalized, lower case)."""
    return f"(?i){re.escape(fragment)}"


async def raw_call(bot: Bot, method: str, **params: Any) -> Any:
    """Call a method with parameters PTB's typed methods would not let through."""
    with warnings.catch_warnings():
        # PTB asks to use its typed method instead; bypassing it is the point here.
        warnings.simplefilter("ignore", PTBUserWarning)
        return await bot.do_api_request(method, api_kwargs=params)


async def refused(
    emulator: BotApiEmulator, bot: Bot, method: str, fragment: str, **params: Any
) -> str:
    """Send a raw call, assert BadRequest containing fragment, and return its message."""
    with emulator.expect_violation(fragment), pytest.raises(BadRequest) as error:
        await raw_call(bot, method, **params)
    # PTB drops "Bad Request: " and capitalizes the rest, lowering every other letter.
    assert fragment.lower() in error.value.message.lower()
    return error.value.message


async def test_unknown_method_is_not_found(emulator: BotApiEmulator, emulator_bot: Bot) -> None:
    """An unknown method gets Telegram's 404, which PTB reports as EndPointNotFound."""
    with emulator.expect_violation("Not Found"), pytest.raises(EndPointNotFound):
        await emulator_bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})


async def test_unknown_parameter_is_refused(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """A parameter the method does not have is a 400."""
    with emulator.expect_violation('unknown parameter "colour"'), pytest.raises(BadRequest):
        await emulator_bot.send_message(anna.id, "Hi", api_kwargs={"colour": "red"})


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"chat_id": 1}, "message text is empty"),
        ({"text": "Hi"}, "chat_id is empty"),
    ],
)
async def test_missing_required_parameter_is_refused(
    emulator: BotApiEmulator, emulator_bot: Bot, params: dict[str, Any], fragment: str
) -> None:
    """A required parameter left out is a 400 with Telegram's wording."""
    await refused(emulator, emulator_bot, "sendMessage", fragment, **params)


async def test_integer_parameter_refuses_text(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """A form field that must be an Integer refuses a non-number."""
    await refused(
        emulator,
        emulator_bot,
        "deleteMessage",
        'parameter "message_id" must be of type Integer',
        chat_id=anna.id,
        message_id="first",
    )


async def test_file_is_refused_where_the_reference_allows_no_input_file(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """Only InputFile parameters accept an uploaded part of a multipart request."""
    await refused(
        emulator,
        emulator_bot,
        "sendMessage",
        'parameter "text" can\'t be a file',
        chat_id=anna.id,
        text=InputFile(b"not text", filename="a.txt"),
    )


BUTTON = {"text": "Book", "callback_data": "book"}


@pytest.mark.parametrize(
    ("method", "params", "fragment"),
    [
        (
            "sendMessage",
            {"reply_markup": {"inline_keyboard": [[{"text": 5, "callback_data": "x"}]]}},
            'field "reply_markup.inline_keyboard[0][0].text" must be of type String',
        ),
        (
            "sendMessage",
            {"reply_markup": {"inline_keyboard": [BUTTON]}},
            'field "reply_markup.inline_keyboard[0]" must be an Array of InlineKeyboardButton',
        ),
        (
            "sendMessage",
            {"reply_markup": {"inline_keyboard": [[{**BUTTON, "colour": "red"}]]}},
            'unknown field "reply_markup.inline_keyboard[0][0].colour"',
        ),
        (
            "sendMessage",
            {"reply_markup": {"keyboard": [[{"text": ["Book"]}]]}},
            'field "reply_markup.keyboard[0][0].text" must be of type String',
        ),
        (
            "sendMessage",
            {"reply_markup": {"force_reply": True, "input_field_placeholder": 7}},
            'field "reply_markup.input_field_placeholder" must be of type String',
        ),
        (
            "sendMessage",
            {"reply_markup": {"resize_keyboard": True}},
            'field "reply_markup" must be of type InlineKeyboardMarkup or ReplyKeyboardMarkup',
        ),
        (
            "sendMessage",
            {"reply_parameters": {"chat_id": 1}},
            'field "reply_parameters.message_id" of ReplyParameters is required',
        ),
        (
            "sendMessage",
            {"link_preview_options": {"is_disabled": "yes"}},
            'field "link_preview_options.is_disabled" must be of type Boolean',
        ),
        (
            "sendMessage",
            {"entities": [{"type": "bold", "offset": 0}]},
            'field "entities[0].length" of MessageEntity is required',
        ),
        (
            "setMyCommands",
            {"commands": {"command": "start", "description": "Start"}},
            'field "commands" must be an Array of BotCommand',
        ),
        (
            "setMyCommands",
            {"commands": [], "scope": {"type": "everyone"}},
            "unsupported \"scope.type\" 'everyone' for BotCommandScope",
        ),
        (
            "setMyCommands",
            {"commands": [], "scope": {"type": "chat", "chat_id": 1.5}},
            'field "scope.chat_id" must be of type Integer or String',
        ),
        (
            "setMyCommands",
            {"commands": [], "scope": {"type": "chat_member", "chat_id": 1}},
            'field "scope.user_id" of BotCommandScopeChatMember is required',
        ),
        (
            "setMyCommands",
            {"commands": "not json"},
            "can't parse commands JSON object",
        ),
    ],
)
async def test_nested_objects_are_checked_field_by_field(
    emulator: BotApiEmulator,
    emulator_bot: Bot,
    anna: TelegramUser,
    method: str,
    params: dict[str, Any],
    fragment: str,
) -> None:
    """Keyboards, reply parameters, link previews, entities, commands and scopes are checked."""
    if method == "sendMessage":
        params = {"chat_id": anna.id, "text": "Hi", **params}
    await refused(emulator, emulator_bot, method, fragment, **params)


@pytest.mark.parametrize(
    ("button", "fragment"),
    [
        (InlineKeyboardButton("Book", callback_data="é" * 33), "BUTTON_DATA_INVALID"),
        (InlineKeyboardButton("Book", callback_data=""), "BUTTON_DATA_INVALID"),
        (InlineKeyboardButton("Book"), "Text buttons are unallowed in the inline keyboard"),
        (
            InlineKeyboardButton("Book", callback_data="b", url="https://example.org"),
            "exactly one of the optional fields must be used",
        ),
    ],
)
async def test_inline_buttons_need_one_action_and_short_data(
    emulator: BotApiEmulator,
    emulator_bot: Bot,
    anna: TelegramUser,
    button: InlineKeyboardButton,
    fragment: str,
) -> None:
    """callback_data is 1-64 bytes (not characters) and each button has exactly one action."""
    markup = InlineKeyboardMarkup([[button]])
    refusal = pytest.raises(BadRequest, match=ignoring_case(fragment))
    with emulator.expect_violation(fragment), refusal:
        await emulator_bot.send_message(anna.id, "Pick one", reply_markup=markup)


async def test_callback_data_of_64_bytes_is_accepted(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """The limit is inclusive: 32 two-byte characters are 64 bytes."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Book", callback_data="é" * 32)]])
    await emulator_bot.send_message(anna.id, "Pick one", reply_markup=markup)


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        (BotCommand("Start", "Begin"), "BOT_COMMAND_INVALID"),
        (BotCommand("x" * 33, "Begin"), "BOT_COMMAND_INVALID"),
        (BotCommand("book-now", "Begin"), "BOT_COMMAND_INVALID"),
        (BotCommand("start", ""), "BOT_COMMAND_DESCRIPTION_INVALID"),
        (BotCommand("start", "d" * 257), "BOT_COMMAND_DESCRIPTION_INVALID"),
    ],
)
async def test_bot_commands_follow_the_naming_rules(
    emulator: BotApiEmulator, emulator_bot: Bot, command: BotCommand, fragment: str
) -> None:
    """Command names match [a-z0-9_]{1,32}; descriptions have 1-256 characters."""
    refusal = pytest.raises(BadRequest, match=ignoring_case(fragment))
    with emulator.expect_violation(fragment), refusal:
        await emulator_bot.set_my_commands([command])


async def test_callback_answer_text_is_at_most_200_characters(
    emulator: BotApiEmulator, emulator_bot: Bot
) -> None:
    """answerCallbackQuery refuses a longer notification text."""
    with emulator.expect_violation("MESSAGE_TOO_LONG"), pytest.raises(BadRequest):
        await emulator_bot.answer_callback_query("1", text="x" * 201)


async def test_text_length_is_counted_in_utf16_code_units(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """2,048 emoji are 4,096 code units and pass; one more is too long though only 2,049 chars."""
    await emulator_bot.send_message(anna.id, "😀" * 2048)
    with emulator.expect_violation("message is too long"), pytest.raises(BadRequest):
        await emulator_bot.send_message(anna.id, "😀" * 2049)


async def test_text_length_is_counted_after_entity_parsing(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """Tags do not count toward 4,096; text that is empty once parsed is refused."""
    await emulator_bot.send_message(anna.id, f"<b>{'a' * 4096}</b>", parse_mode="HTML")
    with emulator.expect_violation("message text is empty"), pytest.raises(BadRequest):
        await emulator_bot.send_message(anna.id, "<b> </b>", parse_mode="HTML")


async def test_caption_is_at_most_1024_characters(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """A document caption of 1,025 characters is too long."""
    await emulator_bot.send_document(anna.id, b"%PDF", filename="a.pdf", caption="c" * 1024)
    with emulator.expect_violation("message caption is too long"), pytest.raises(BadRequest):
        await emulator_bot.send_document(anna.id, b"%PDF", filename="a.pdf", caption="c" * 1025)


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("Fees < 100 EUR", 'Unsupported start tag "" at byte offset 5'),
        ("Tom & Jerry", 'Character "&" at byte offset 4 must be escaped'),
        ("&nbsp;", 'Character "&" at byte offset 0 must be escaped'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ('<span class="red">x</span>', 'Unsupported start tag "span" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_html_is_parsed_as_telegram_does(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser, html: str, fragment: str
) -> None:
    """Invalid Telegram HTML is "can't parse entities" with the parser's reason."""
    message = await refused(
        emulator,
        emulator_bot,
        "sendMessage",
        fragment,
        chat_id=anna.id,
        text=html,
        parse_mode="HTML",
    )
    assert message.startswith("Can't parse entities")


async def test_valid_html_becomes_text_and_entities(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """Telegram's tags, the four named entities and numeric ones are accepted and parsed."""
    html = (
        '<b>Dr &lt;Ana&gt;</b> <tg-spoiler>€</tg-spoiler> <a href="https://x.org/?a=1&amp;b=2">'
        'map</a> &#128512;&quot; <pre><code class="language-py">x</code></pre>'
        "<blockquote expandable>q</blockquote>"
    )
    sent = await emulator_bot.send_message(anna.id, html, parse_mode="HTML")
    assert sent.text == 'Dr <Ana> € map 😀" xq'
    kinds = [(entity.type, entity.offset, entity.length) for entity in sent.entities]
    assert kinds == [
        ("bold", 0, 8),
        ("spoiler", 9, 1),
        ("text_link", 11, 3),
        ("pre", 19, 1),
        ("expandable_blockquote", 20, 1),
    ]
    assert sent.entities[2].url == "https://x.org/?a=1&b=2"
    assert sent.entities[3].language == "py"


@pytest.mark.parametrize("parse_mode", ["MarkdownV2", "Markdown", "html"])
async def test_parse_modes_other_than_html_are_refused(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser, parse_mode: str
) -> None:
    """The project formats in HTML only, so any other parse mode is a violation."""
    with emulator.expect_violation("unsupported parse_mode"), pytest.raises(BadRequest):
        await emulator_bot.send_message(anna.id, "*Hi*", parse_mode=parse_mode)
