"""The staff side's edge: who counts as staff, the refusal, the staff command menu, markup.

Staff are the ids in MESOBOT_STAFF_IDS and nobody else: a non-staff user gets "this is for
clinic staff" from every staff command and button, and learns nothing more (not even whether
a patient or a request exists).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from mesobot.callbacks import ButtonData
from mesobot.flow.steps import visible_name
from mesobot.handlers.context import MesobotApplication, MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.languages import language_of
from mesobot.handlers.markup import inline_markup
from mesobot.handlers.menus import publish_staff_menu_per_language, set_chat_menu, staff_commands
from mesobot.i18n import translations
from mesobot.outbox.policies import RenderedMessage
from mesobot.services import Services
from mesobot.staff.audit import StaffActor, record_views
from mesobot.staff.languages import staff_language
from mesobot.texts import staff as texts
from mesobot.texts.splitting import split_html_messages

logger = logging.getLogger(__name__)


__all__ = ["language_of"]  # for the staff handlers, with the rest of their edge


def staff_of(update: Update, services: Services) -> StaffActor | None:
    """The staff member behind `update`, or None for anyone else."""
    user = update.effective_user
    if user is None or not services.is_staff(user.id):
        return None
    # Other staff read this name ("already confirmed by Rita"): no bidi or zero-width tricks.
    return StaffActor(user.id, visible_name(user.full_name or "") or str(user.id))


async def note_views(
    services: Services, staff: StaffActor, action: str, patient_ids: Iterable[int | None]
) -> None:
    """Record that `staff` is being shown these patients' data (`mesobot.staff.audit`), in
    a short write of its own: the view itself was read without holding the write lock."""
    viewed = [patient_id for patient_id in patient_ids if patient_id is not None]
    if not viewed:
        return
    async with services.database.write() as session:
        await record_views(
            session=session,
            staff=staff,
            action=action,
            at=services.clock.now(),
            patient_ids=viewed,
        )


async def refuse(update: Update, services: Services) -> None:
    """Tell a non-staff user this is for staff, and nothing else."""
    t = translations(await language_of(update, services))
    if update.callback_query is not None:
        await update.callback_query.answer(texts.staff_only(t), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(texts.staff_only(t))


async def staff_command(update: Update, context: MesobotContext) -> StaffActor | None:
    """The staff member sending a command; refuses anyone else (then returns None)."""
    staff = staff_of(update, context.bot_data.services)
    if staff is None:
        await refuse(update, context.bot_data.services)
    return staff


async def staff_press(
    update: Update, context: MesobotContext
) -> tuple[StaffActor, ButtonData, CallbackQuery] | None:
    """A staff member's press of a staff button, decoded; refuses or ignores anything else.

    Data the bot did not sign is answered quietly (it came from no button of ours); a
    non-staff presser gets the refusal, even with data copied from a real staff button.
    """
    query = update.callback_query
    if query is None:
        return None
    data = context.bot_data.services.codec.decode(query.data)
    if data is None:
        await query.answer()
        return None
    staff = staff_of(update, context.bot_data.services)
    if staff is None:
        await refuse(update, context.bot_data.services)
        return None
    return staff, data, query


def markup(rendered: RenderedMessage) -> InlineKeyboardMarkup | None:
    """Telegram's markup for a rendered message's buttons."""
    return inline_markup(rendered.buttons)


async def show(query: CallbackQuery, rendered: RenderedMessage) -> None:
    """Replace the pressed message with `rendered` (a no-op if nothing changed).

    Only ever over a message in a private chat: group_chats stops presses in groups before
    they get here, and this keeps a view of staff data off a group's message even so.
    """
    message = query.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    try:
        await query.edit_message_text(rendered.text, reply_markup=markup(rendered))
    except TelegramError as error:
        if "not modified" not in str(error):
            raise


async def reply_long(update: Update, lines: list[str]) -> None:
    """Reply with `lines`, split into as many messages as Telegram's limit needs."""
    message = update.effective_message
    if message is None:
        return
    for text in split_html_messages(lines):
        await message.reply_text(text)


def clinic_time(services: Services, instant: datetime) -> datetime:
    """An instant in the clinic's zone, for "at 10:42"."""
    return instant.astimezone(services.clinic.calendar().zone)


# -- the staff command menu --------------------------------------------------------------


async def publish_staff_menu(bot: Bot, services: Services, staff_id: int) -> None:
    """Show the staff commands in this staff member's private chat: in their stored language,
    or, before their first contact, in each of the clinic's (the first for any other app
    language), so that Telegram picks the one their app speaks."""
    declared = services.clinic.clinic.languages
    async with services.database.read() as session:
        stored = await staff_language(session=session, staff_id=staff_id)
    if stored is None:
        await publish_staff_menu_per_language(bot, staff_id, declared)
        return
    language = stored if stored in declared else declared[0]
    await set_chat_menu(bot, staff_id, staff_commands(language), clear=declared[1:])


async def publish_staff_menus(application: MesobotApplication) -> None:
    """At start-up: give every staff member their menu, and log those the bot cannot reach.

    A chat-scoped menu needs a chat: Telegram refuses it for a user who never started the
    bot. Reachability is probed with a "typing" action, which Telegram refuses exactly when a
    message would be refused; those staff get their menu when they send /start.
    """
    unreachable = []
    for staff_id in application.bot_data.services.settings.mesobot_staff_ids:
        try:
            await application.bot.send_chat_action(staff_id, ChatAction.TYPING)
            await publish_staff_menu(application.bot, application.bot_data.services, staff_id)
        except TelegramError:
            unreachable.append(staff_id)
    if unreachable:
        logger.warning(
            "Staff the bot cannot reach yet (they must open the bot and press Start): %s",
            ", ".join(str(staff_id) for staff_id in unreachable),
        )


async def warn_without_staff(application: MesobotApplication) -> None:
    """At start-up: say in the log that no one is there to read what patients send.

    The bot still runs (a clinic may be trying it out), and patients are told to call the
    clinic wherever they would have been told that staff have their request or report.
    """
    services = application.bot_data.services
    if services.settings.mesobot_staff_ids:
        return
    phone = services.clinic.clinic.phone
    logger.warning(
        "MESOBOT_STAFF_IDS is empty: no one receives requests or reaction reports; patients "
        "are told to %s instead",
        f"call the clinic on {phone}" if phone else "contact the clinic (its file gives no phone)",
    )


async def on_staff_start(update: Update, context: MesobotContext) -> None:
    """A staff member started the bot: now their chat exists, give them the staff menu."""
    services = context.bot_data.services
    staff = staff_of(update, services)
    if staff is not None and update.effective_chat and update.effective_chat.type == "private":
        await language_of(update, services)  # their first contact stores their language
        await publish_staff_menu(context.bot, services, staff.telegram_id)


# Group 1 (bookkeeping): runs whatever the patient-facing /start in group 0 did.
def feature(_services: Services) -> Feature:
    """Staff menus: published at start, and again when a staff member sends /start (in the
    bookkeeping group, because /start is answered in group 0 like anyone's)."""
    return Feature(
        bookkeeping=[CommandHandler("start", on_staff_start)],
        on_start=[warn_without_staff, publish_staff_menus],
    )
