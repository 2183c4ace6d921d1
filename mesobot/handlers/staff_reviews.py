"""The six-week review's buttons: "Add the second session" or "Not needed"."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature, Handler
from mesobot.handlers.staff_access import language_of, show, staff_press
from mesobot.i18n import translations
from mesobot.services import Services
from mesobot.staff import buttons
from mesobot.staff.decisions import Superseded
from mesobot.staff.reviews import decide_review, review_message
from mesobot.texts import reviews as texts


async def on_review(update: Update, context: MesobotContext) -> None:
    """Record the decision at the course's version; the message then shows what was decided
    (also when someone else decided first)."""
    pressed = await staff_press(update, context)
    if pressed is None:
        return
    staff, data, query = pressed
    if not isinstance(data, buttons.ReviewDecision):
        await query.answer()
        return
    services = context.bot_data.services
    language = await language_of(update, services)
    now = services.clock.now()
    async with services.database.write() as session:
        result = await decide_review(
            session=session,
            services=services,
            course_id=data.course,
            seen_version=data.version,
            add=data.add,
            staff=staff,
            now=now,
        )
    async with services.database.read() as session:
        view = await review_message(session, services, data.course, language)
    t = translations(language)
    notice = None if isinstance(result, Superseded) else texts.decided(t, add=data.add)
    await query.answer(notice)
    if view is not None:
        await show(query, view)


def feature(_services: Services) -> Feature:
    """This module's handler."""
    return Feature(handlers=_handlers())


def _handlers() -> list[Handler]:
    return [CallbackQueryHandler(on_review, pattern=r"^1sw\.")]
