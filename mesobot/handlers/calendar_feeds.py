"""The subscription link under /calendar: made or replaced on a tap, shown once.

Only a hash of a link's secret is stored, so an existing link cannot be shown again: a
second tap tells when it was made and offers a new one, which stops the old one.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from telegram import Update

from mesobot.calendar_feeds.buttons import FeedLink
from mesobot.calendar_feeds.links import (
    feed_url,
    new_patient_link,
    new_staff_link,
    patient_feed,
    staff_feed,
    webcal_url,
)
from mesobot.calendar_files import STAFF_DAYS
from mesobot.handlers.care_common import decoded
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.languages import language_of
from mesobot.handlers.markup import inline_markup
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.scheduling.localtime import zone_named
from mesobot.screens import InlineRows, Row, inline_rows
from mesobot.services import Services
from mesobot.texts import feeds as texts
from mesobot.texts.dates import day_label


def link_rows(services: Services, language: str) -> InlineRows:
    """The "Subscription link" button, when the bot serves feeds (MESOBOT_PUBLIC_URL and
    MESOBOT_LISTEN)."""
    if not services.settings.feeds_enabled:
        return ()
    return inline_rows(
        services.codec, [[(texts.link_button(translations(language)), FeedLink(replace=False))]]
    )


async def _link(services: Services, user_id: int, *, replace: bool) -> str | datetime | None:
    """A new secret for the user's feed; the existing link's creation when there is one and
    `replace` is False; None for someone with no patient record."""
    now = services.clock.now()
    async with services.database.write() as session:
        if services.is_staff(user_id):
            existing = await staff_feed(session=session, staff_id=user_id)
            if existing is not None and not replace:
                return existing.created_at
            return await new_staff_link(session=session, staff_id=user_id, now=now)
        patient = (
            await session.exec(select(Patient).where(Patient.telegram_user_id == user_id))
        ).first()
        if patient is None or patient.id is None:
            return None
        mine = await patient_feed(session=session, patient_id=patient.id)
        if mine is not None and not replace:
            return mine.created_at
        return await new_patient_link(session=session, patient_id=patient.id, now=now)


async def on_feed_link(update: Update, context: MesobotContext) -> None:
    """Make, or replace, the tapping user's link; an existing one is only told of."""
    found = await decoded(update, context, FeedLink)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    public_url = services.settings.mesobot_public_url
    await query.answer()
    if public_url is None or not services.settings.feeds_enabled:
        return
    language = await language_of(update, services)
    t = translations(language)
    result = await _link(services, user.id, replace=data.replace)
    if result is None:
        await context.bot.send_message(user.id, texts.no_patient_record(t))
    elif isinstance(result, datetime):
        zone = zone_named(services.clinic.clinic.timezone)
        created = day_label(result.astimezone(zone).date(), language)
        rows: list[Row] = [[(texts.replace_button(t), FeedLink(replace=True))]]
        await context.bot.send_message(
            user.id,
            texts.link_exists(t, created=created),
            reply_markup=inline_markup(inline_rows(services.codec, rows)),
        )
    else:
        url = feed_url(public_url, result)
        if services.is_staff(user.id):
            text = texts.staff_link(t, url=url, webcal=webcal_url(url), days=STAFF_DAYS)
        else:
            text = texts.patient_link(t, url=url, webcal=webcal_url(url))
        await context.bot.send_message(user.id, text)
