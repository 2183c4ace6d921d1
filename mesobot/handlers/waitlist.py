"""The waitlist's job (match freed places, end what ran out) and staff's /waitlist."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from mesobot.handlers.context import MesobotApplication, MesobotContext
from mesobot.handlers.feature import Feature, Handler
from mesobot.handlers.periodic import run_periodically
from mesobot.handlers.staff_access import language_of, markup, show, staff_command, staff_press
from mesobot.i18n import translations
from mesobot.services import Services
from mesobot.staff import buttons
from mesobot.texts import waitlist as texts
from mesobot.waitlist.entries import remove
from mesobot.waitlist.jobs import run_waitlist
from mesobot.waitlist.staff_view import staff_waitlist

# How often freed places and ended offers are looked for; a moved test clock also triggers it.
WAITLIST_INTERVAL_SECONDS = 30


async def waitlist_job(context: MesobotContext) -> None:
    """A job: one run of the waitlist (mesobot.waitlist.jobs)."""
    await run_waitlist(context.bot_data.services)


async def start_waitlist(application: MesobotApplication) -> None:
    """Run the waitlist job every 30 seconds, and whenever the (test) clock jumps."""
    run_periodically(
        application,
        waitlist_job,
        name="waitlist",
        interval=WAITLIST_INTERVAL_SECONDS,
        first=WAITLIST_INTERVAL_SECONDS,
    )


async def waitlist_command(update: Update, context: MesobotContext) -> None:
    """/waitlist: every waiting entry, with Remove (staff, private chats only)."""
    staff = await staff_command(update, context)
    message = update.effective_message
    if staff is None or message is None:
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    async with services.database.read() as session:
        view = await staff_waitlist(session, services, language)
    await message.reply_text(view.text, reply_markup=markup(view))


async def on_remove(update: Update, context: MesobotContext) -> None:
    """Remove #id: the entry ends (its open offer withdrawn); the list shows again."""
    pressed = await staff_press(update, context)
    if pressed is None:
        return
    staff, data, query = pressed
    if not isinstance(data, buttons.RemoveWaitlistEntry):
        await query.answer()
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    async with services.database.write() as session:
        removed = await remove(
            session=session, entry_id=data.entry, staff=staff, now=services.clock.now()
        )
    async with services.database.read() as session:
        view = await staff_waitlist(session, services, language)
    t = translations(language)
    await query.answer(texts.removed(t, data.entry) if removed else None)
    await show(query, view)


def feature(_services: Services) -> Feature:
    """The job, started with the application, and the staff command and button."""
    return Feature(handlers=_handlers(), on_start=[start_waitlist])


def _handlers() -> list[Handler]:
    return [
        CommandHandler("waitlist", waitlist_command),
        CallbackQueryHandler(on_remove, pattern=r"^1sq\."),
    ]
