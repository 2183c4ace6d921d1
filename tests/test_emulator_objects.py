"""What the emulator hands the bot is itself valid by the Bot API reference."""

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from botapi_emulator.server import BotApiEmulator


async def test_updates_and_results_match_the_reference(
    emulator: BotApiEmulator, emulator_bot: Bot
) -> None:
    """Messages, commands, photos, contacts, forwards, presses and member changes all conform."""
    anna = emulator.create_user("Anna", username="anna", last_name="B")
    staff = emulator.create_group("Clinic staff", members=[anna])
    anna.send_command("start")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Book", callback_data="b")]])
    await emulator_bot.send_message(
        anna.id, "<b>Book?</b>", parse_mode="HTML", reply_markup=markup
    )
    await emulator_bot.send_document(anna.id, b"%PDF", filename="plan.pdf", caption="Plan")
    anna.send_photo(caption="skin")
    anna.send_contact("+33 6 12 34 56 78")
    anna.forward(anna.bot_messages[0], chat=staff)
    anna.send_command("today", chat=staff)
    anna.press_button("Book")
    anna.block_bot()
    for update in emulator.world.updates.pending:
        emulator.schema.check_object(update, "Update")
    for chat in emulator.world.chats.values():
        emulator.schema.check_object(chat.full_info(), "ChatFullInfo")
        for message in chat.messages:
            emulator.schema.check_object(message.to_api(), "Message")
    emulator.allow_unanswered_callbacks = True
