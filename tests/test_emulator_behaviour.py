"""The emulator behaves as Telegram does beyond the schema, seen through the real PTB Bot."""

import asyncio

import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton
from telegram import InlineKeyboardMarkup as Keyboard
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from botapi_emulator.clock import ManualClock
from botapi_emulator.driver import TINY_PNG, TelegramUser
from botapi_emulator.faults import FloodLimits
from botapi_emulator.server import BotApiEmulator

BOOK = Keyboard([[InlineKeyboardButton("Book", callback_data="book:1")]])


@pytest.fixture
def anna(emulator: BotApiEmulator) -> TelegramUser:
    """A user who has started the bot."""
    user = emulator.create_user("Anna")
    user.send_command("start")
    return user


def new_bot(emulator: BotApiEmulator, **request_options: float) -> Bot:
    """Return another PTB Bot for the emulator's token."""

    return Bot(
        emulator.token,
        base_url=emulator.base_url,
        base_file_url=emulator.base_file_url,
        request=HTTPXRequest(**request_options) if request_options else None,
    )


async def test_edit_to_identical_content_is_not_modified(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """Same text and markup, or the same markup alone, is "message is not modified"."""
    sent = await emulator_bot.send_message(
        anna.id, "<b>Hi</b>", parse_mode="HTML", reply_markup=BOOK
    )
    with emulator.expect_violation("message is not modified"), pytest.raises(BadRequest):
        await sent.edit_text("<b>Hi</b>", parse_mode="HTML", reply_markup=BOOK)
    with emulator.expect_violation("message is not modified"), pytest.raises(BadRequest):
        await sent.edit_reply_markup(BOOK)
    await sent.edit_text("<b>Hi</b>", parse_mode="HTML")
    [message] = anna.bot_messages
    assert message.reply_markup is None
    assert len(message.earlier_versions) == 1


async def test_edit_of_a_missing_message_is_not_found(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """Editing or deleting an unknown or deleted message is refused."""
    sent = await emulator_bot.send_message(anna.id, "Hi")
    await sent.delete()
    assert anna.bot_messages[0].deleted
    with emulator.expect_violation("message to edit not found"), pytest.raises(BadRequest):
        await emulator_bot.edit_message_text("Hello", chat_id=anna.id, message_id=sent.message_id)
    with emulator.expect_violation("message to delete not found"), pytest.raises(BadRequest):
        await sent.delete()


async def test_blocked_user_gives_forbidden_and_member_updates(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """Blocking sends my_chat_member and 403s every message until the user unblocks."""
    anna.block_bot()
    with emulator.expect_violation("bot was blocked by the user"), pytest.raises(Forbidden):
        await emulator_bot.send_message(anna.id, "Reminder")
    anna.unblock_bot()
    await emulator_bot.send_message(anna.id, "Welcome back")
    updates = await emulator_bot.get_updates(timeout=0)
    statuses = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in updates
        if u.my_chat_member
    ]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_user_who_never_started_the_bot_cannot_be_written_to(
    emulator: BotApiEmulator, emulator_bot: Bot
) -> None:
    """A bot cannot initiate a conversation."""
    stranger = emulator.create_user("Boris")
    fragment = "bot can't initiate conversation with a user"
    with emulator.expect_violation(fragment), pytest.raises(Forbidden):
        await emulator_bot.send_message(stranger.id, "Hello")


async def test_unknown_chat_is_not_found(emulator: BotApiEmulator, emulator_bot: Bot) -> None:
    """An id no chat has is 400 chat not found."""
    with emulator.expect_violation("chat not found"), pytest.raises(BadRequest):
        await emulator_bot.send_message(424242, "Hello")


async def test_second_long_poll_terminates_the_first(emulator: BotApiEmulator) -> None:
    """Two clients polling one token at once: the earlier poll gets 409 Conflict."""
    async with new_bot(emulator) as first, new_bot(emulator) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=30))
        await emulator.wait_for(lambda: emulator.world.updates.polling)
        with emulator.expect_violation("terminated by other getUpdates request"):
            assert await second.get_updates(timeout=0) == ()
            with pytest.raises(Conflict, match="only one bot instance is running"):
                await waiting


async def test_long_poll_wakes_early_and_offset_confirms(
    emulator: BotApiEmulator, emulator_bot: Bot, emulator_clock: ManualClock
) -> None:
    """A waiting getUpdates returns as soon as an update arrives; an offset confirms it."""
    waiting = asyncio.create_task(emulator_bot.get_updates(timeout=30))
    await emulator.wait_for(lambda: emulator.world.updates.polling)
    emulator.create_user("Anna").send_text("hello")
    [update] = await asyncio.wait_for(waiting, 5)
    assert update.message.text == "hello"
    assert len(await emulator_bot.get_updates(timeout=0)) == 1
    assert await emulator_bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert emulator.world.updates.idle


async def test_late_callback_answer_is_too_old(
    emulator: BotApiEmulator,
    emulator_bot: Bot,
    anna: TelegramUser,
    emulator_clock: ManualClock,
) -> None:
    """A button press answered after the timeout, or twice, is refused; presses are recorded."""
    await emulator_bot.send_message(anna.id, "Book?", reply_markup=BOOK)
    on_time = anna.press_button("Book")
    late = anna.press_button(data="book:1")
    await emulator_bot.answer_callback_query(on_time.id, text="Booked")
    assert on_time.answer == {"callback_query_id": on_time.id, "text": "Booked"}
    emulator_clock.advance(emulator.world.callback_answer_timeout + 1)
    fragment = "query is too old and response timeout expired or query ID is invalid"
    for query_id in (late.id, on_time.id):
        with emulator.expect_violation(fragment), pytest.raises(BadRequest):
            await emulator_bot.answer_callback_query(query_id)
    assert emulator.unanswered_callback_queries() == [late]
    emulator.allow_unanswered_callbacks = True


async def test_pressed_button_reaches_the_bot_with_its_message(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """press_button produces a callback_query referencing the message the button is on."""
    sent = await emulator_bot.send_message(anna.id, "Book?", reply_markup=BOOK)
    query = anna.press_button("Book")
    updates = await emulator_bot.get_updates(timeout=0)
    callback = updates[-1].callback_query
    assert callback.data == "book:1"
    assert callback.message.message_id == sent.message_id
    await callback.answer()
    assert query.answered


async def test_flood_control_limits_per_chat_and_overall(
    emulator: BotApiEmulator,
    emulator_bot: Bot,
    anna: TelegramUser,
    emulator_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With flood control on: one message per second per chat after a burst of five, and
    30 per second overall."""
    # PTB 22 warns that retry_after becomes a timedelta unless this opts in now.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    emulator.enable_flood_control(FloodLimits(overall=30, per_chat=1, window=1.0))
    for text in ("1", "2", "3", "4", "5"):
        await emulator_bot.send_message(anna.id, text)
    flooded = emulator.expect_violation("Too Many Requests: retry after 1")
    with flooded, pytest.raises(RetryAfter) as error:
        await emulator_bot.send_message(anna.id, "6")
    assert error.value.retry_after.total_seconds() == 1
    emulator_clock.advance(1)
    await emulator_bot.send_message(anna.id, "6")
    with emulator.expect_violation("Too Many Requests: retry after 1"), pytest.raises(RetryAfter):
        await emulator_bot.send_message(anna.id, "7")
    others = [emulator.create_user(f"U{n}") for n in range(30)]
    for user in others[:29]:
        user.send_command("start")
        await emulator_bot.send_message(user.id, "hi")
    others[29].send_command("start")
    with emulator.expect_violation("Too Many Requests"), pytest.raises(RetryAfter):
        await emulator_bot.send_message(others[29].id, "hi")


async def test_flood_control_limits_a_group_to_twenty_a_minute(
    emulator: BotApiEmulator,
    emulator_bot: Bot,
    anna: TelegramUser,
    emulator_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Telegram's FAQ: no more than 20 messages a minute in a group, each a second apart."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    emulator.enable_flood_control(FloodLimits(overall=30, per_chat=1, window=1.0))
    group = emulator.create_group(members=[anna])
    for _ in range(20):
        await emulator_bot.send_message(group.id, "note")
        emulator_clock.advance(1)
    with emulator.expect_violation("Too Many Requests"), pytest.raises(RetryAfter) as error:
        await emulator_bot.send_message(group.id, "one too many")
    assert error.value.retry_after.total_seconds() == 40
    emulator_clock.advance(40)
    await emulator_bot.send_message(group.id, "a minute after the first")


async def test_a_refused_send_does_not_count_against_flood_control(
    emulator: BotApiEmulator,
    emulator_bot: Bot,
    anna: TelegramUser,
) -> None:
    """A send Telegram refuses (403: blocked) delivers nothing, so it uses no place."""
    emulator.enable_flood_control(FloodLimits(overall=1, per_chat=1, window=1.0))
    stranger = emulator.create_user("Never started")
    with emulator.expect_violation("Forbidden"), pytest.raises(Forbidden):
        await emulator_bot.send_message(stranger.id, "hi")
    await emulator_bot.send_message(anna.id, "hi")


async def test_injected_faults_fail_or_stall_the_next_calls(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """fail_next answers 500 and delay_next stalls past the client's timeout; neither is a
    violation of the bot's."""
    emulator.fail_next("sendMessage", chat_id=anna.id)
    with pytest.raises(NetworkError, match="injected fault"):
        await emulator_bot.send_message(anna.id, "Hi")
    emulator.delay_next("sendMessage", 30)
    async with new_bot(emulator, read_timeout=0.2) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(anna.id, "Hi")
    await emulator_bot.send_message(anna.id, "Hi")
    assert [m.text for m in anna.bot_messages] == ["Hi"]


async def test_documents_and_photos_carry_their_bytes(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """The driver reads uploaded bytes; getFile serves the bot uploads and users' photos."""
    pdf = b"%PDF-1.7 treatment plan"
    sent = await emulator_bot.send_document(anna.id, pdf, filename="plan.pdf", caption="Plan")
    [message] = anna.bot_messages
    assert message.document.content == pdf
    assert message.document.file_name == "plan.pdf"
    downloaded = await (await emulator_bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == pdf
    anna.send_photo(caption="my skin")
    update = (await emulator_bot.get_updates(timeout=0))[-1]
    photo_file = await emulator_bot.get_file(update.message.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == TINY_PNG


async def test_contacts_forwards_and_group_commands_reach_the_bot(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """Contacts, forwards and /command@bot in the staff group arrive as PTB objects."""
    staff = emulator.create_group("Clinic staff", members=[anna])
    anna.send_contact("+33 6 12 34 56 78")
    anna.forward(anna.chat.messages[0])
    anna.send_command("today", "all", chat=staff)
    *_, contact, forwarded, command = await emulator_bot.get_updates(timeout=0)
    assert contact.message.contact.user_id == anna.id
    assert forwarded.message.forward_origin.sender_user.id == anna.id
    assert command.message.text == "/today@mesobot_test_bot all"
    assert command.message.chat.type == "supergroup"
    await emulator_bot.send_message(staff.id, "Nothing today")
    assert staff.bot_messages[0].text == "Nothing today"


async def test_commands_are_kept_per_scope(
    emulator: BotApiEmulator, emulator_bot: Bot, anna: TelegramUser
) -> None:
    """setMyCommands/getMyCommands/deleteMyCommands honour scopes; getChat describes chats."""
    everyone = [BotCommand("start", "Start")]
    staff = [BotCommand("today", "Today's sessions")]
    await emulator_bot.set_my_commands(everyone)
    await emulator_bot.set_my_commands(staff, scope=BotCommandScopeChat(anna.id))
    assert await emulator_bot.get_my_commands() == tuple(everyone)
    assert await emulator_bot.get_my_commands(scope=BotCommandScopeChat(anna.id)) == tuple(staff)
    await emulator_bot.delete_my_commands(scope=BotCommandScopeChat(anna.id))
    assert await emulator_bot.get_my_commands(scope=BotCommandScopeChat(anna.id)) == ()
    chat = await emulator_bot.get_chat(anna.id)
    assert chat.first_name == "Anna"
    await emulator_bot.send_chat_action(anna.id, "typing")
