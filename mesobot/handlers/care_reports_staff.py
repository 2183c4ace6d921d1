"""Reaction reports, the staff's side: /reports and the buttons Acknowledge, I'll call the
patient, Contact patient and Close (with a note, typed as a reply)."""

from __future__ import annotations

import re

from telegram import (
    CallbackQuery,
    ForceReply,
    Update,
    User,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from mesobot.care.additions import report_additions
from mesobot.care.alerts import addition_lines
from mesobot.care.buttons import ReportAck, ReportAdditions, ReportClose, ReportContact
from mesobot.care.models import ReactionReport
from mesobot.care.reports import (
    acknowledge,
    close_report,
)
from mesobot.care.staff_views import contact_view, report_entries
from mesobot.handlers.care_common import B, data_of, decoded
from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.languages import language_of
from mesobot.handlers.markup import inline_markup
from mesobot.handlers.staff_access import note_views, staff_of
from mesobot.i18n import translations
from mesobot.services import Services
from mesobot.staff.audit import VIEW_CONTACT, VIEW_REPORTS
from mesobot.texts import care_staff as staff_texts
from mesobot.texts.splitting import split_html_messages

_REPORT_NUMBER = re.compile(r"#(\d+)")
# The photos a press of Additions sends, the latest; and where a photo's caption text is cut
# (Telegram allows 1,024 characters in a caption).
_PHOTOS_SHOWN = 10
_CAPTION_CLIP = 900


def services_is_staff_note(update: Update, context: MesobotContext) -> bool:
    """Whether this message is a staff member's closing note (handled by on_close_note)."""
    user, message = update.effective_user, update.effective_message
    services = context.bot_data.services
    return bool(
        user
        and message
        and services.is_staff(user.id)
        and message.reply_to_message is not None
        and message.text
        and not message.photo
        and _REPORT_NUMBER.search(message.reply_to_message.text or "")
    )


async def reports(update: Update, context: MesobotContext) -> None:
    """/reports (staff): open reports, unacknowledged-after-every-resend first, then by
    severity and newest."""
    user, message = update.effective_user, update.effective_message
    services = context.bot_data.services
    if user is None or message is None:
        return
    staff = staff_of(update, services)
    if staff is None:
        await message.reply_text(
            staff_texts.staff_only(translations(await language_of(update, services)))
        )
        return
    language = await language_of(update, services)
    async with services.database.read() as session:
        entries = await report_entries(session, services, language, services.clock.now())
    if not entries:
        await message.reply_text(staff_texts.no_open_reports(translations(language)))
        return
    await note_views(services, staff, VIEW_REPORTS, [entry.report.patient_id for entry in entries])
    for entry in entries:
        for rendered in entry.messages:
            await message.reply_text(rendered.text, reply_markup=inline_markup(rendered.buttons))


async def on_additions(update: Update, context: MesobotContext) -> None:
    """Everything the patient added to a report, privately: every text, in as many messages as
    it takes, then the latest photos (the digests may have left some out)."""
    found = await _staff_decoded(update, context, ReportAdditions)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    language = await language_of(update, services)
    async with services.database.read() as session:
        additions = await report_additions(session, data.report_id)
        report = await session.get(ReactionReport, data.report_id)
    await query.answer()
    staff = staff_of(update, services)
    if staff is not None and report is not None:
        await note_views(services, staff, VIEW_REPORTS, [report.patient_id])
    t = translations(language)
    heading = staff_texts.additions_heading(t, report_id=data.report_id)
    for part in split_html_messages([heading, *addition_lines(services, additions, language)]):
        await context.bot.send_message(user.id, part)
    photos = [addition for addition in additions if addition.photo_file_id][-_PHOTOS_SHOWN:]
    total = sum(1 for addition in additions if addition.photo_file_id)
    if total > len(photos):
        await context.bot.send_message(
            user.id, staff_texts.latest_photos(t, shown=len(photos), total=total)
        )
    for addition in photos:
        assert addition.photo_file_id is not None
        caption = addition_lines(services, [addition], language, clip=_CAPTION_CLIP)[0]
        await context.bot.send_photo(user.id, addition.photo_file_id, caption=caption)


async def _staff_decoded(
    update: Update, context: MesobotContext, kind: type[B]
) -> tuple[CallbackQuery, User, B] | None:
    """A staff member's press of a report button of `kind`; anyone else is answered quietly."""
    user = update.effective_user
    if user is None or not context.bot_data.services.is_staff(user.id):
        if update.callback_query is not None:
            await update.callback_query.answer()
        return None
    return await decoded(update, context, kind)


async def on_acknowledge(update: Update, context: MesobotContext) -> None:
    """Acknowledge (or take the call for) a report: re-sends stop, the patient is told."""
    found = await _staff_decoded(update, context, ReportAck)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    language = await language_of(update, services)
    async with services.database.write() as session:
        result = await acknowledge(
            session=session,
            report_id=data.report_id,
            staff_id=user.id,
            call=data.call,
            now=services.clock.now(),
        )
    t = translations(language)
    if result is None:
        await query.answer(staff_texts.acknowledged_by_other(t), show_alert=True)
        return
    await query.answer(staff_texts.acknowledged(t, call=data.call), show_alert=True)


async def on_contact(update: Update, context: MesobotContext) -> None:
    """Show staff how to reach a report's patient."""
    found = await _staff_decoded(update, context, ReportContact)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    language = await language_of(update, services)
    async with services.database.read() as session:
        found_card = await contact_view(session, data.report_id, language)
    await query.answer()
    staff = staff_of(update, services)
    if found_card is None or query.message is None or staff is None:
        return
    patient, card = found_card
    await note_views(services, staff, VIEW_CONTACT, [patient.id])
    await context.bot.send_message(user.id, card.text)


async def on_close(update: Update, context: MesobotContext) -> None:
    """Ask for the closing note, as a reply (ForceReply also works in groups)."""
    found = await _staff_decoded(update, context, ReportClose)
    if found is None:
        return
    query, user, data = found
    services = context.bot_data.services
    language = await language_of(update, services)
    await query.answer()
    await context.bot.send_message(
        user.id,
        staff_texts.close_prompt(translations(language), report_id=data.report_id),
        reply_markup=ForceReply(selective=True),
    )


async def on_close_note(update: Update, context: MesobotContext) -> bool:
    """A staff member's reply to a close prompt closes that report with the note.

    Returns whether the message was such a reply (other prompts, such as a decline reason's,
    also show a "#n" and belong to other features).
    """
    if not services_is_staff_note(update, context):
        return False
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    assert message.reply_to_message is not None
    services = context.bot_data.services
    match = _REPORT_NUMBER.search(message.reply_to_message.text or "")
    assert match is not None
    report_id = int(match.group(1))
    language = await language_of(update, services)
    async with services.database.write() as session:
        t = translations(language)
        # Only a reply to our own prompt counts, not to an alert that also shows "#n".
        if message.reply_to_message.text != staff_texts.close_prompt(t, report_id=report_id):
            return False
        closed = await close_report(
            session=session,
            report_id=report_id,
            staff_id=user.id,
            note=message.text or "",
            now=services.clock.now(),
        )
    if closed is not None:
        await message.reply_text(staff_texts.report_closed(t, report_id=report_id))
    return True


_HANDLERS = [
    CommandHandler("reports", reports, filters=filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_additions, pattern=data_of(ReportAdditions)),
    CallbackQueryHandler(on_acknowledge, pattern=data_of(ReportAck)),
    CallbackQueryHandler(on_contact, pattern=data_of(ReportContact)),
    CallbackQueryHandler(on_close, pattern=data_of(ReportClose)),
]


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_HANDLERS)
