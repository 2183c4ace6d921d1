"""/block and /unblock: closures set in Telegram; booked sessions inside one are listed with a
Move button each, never dropped."""

from __future__ import annotations

import re
from datetime import date, time

from telegram import Message, Update
from telegram.ext import CommandHandler

from mesobot.handlers.context import MesobotContext
from mesobot.handlers.feature import Feature, Handler
from mesobot.handlers.staff_access import language_of, markup, staff_command
from mesobot.handlers.staff_agenda import parse_day, today
from mesobot.i18n import translations
from mesobot.outbox.policies import Button, RenderedMessage
from mesobot.services import Services
from mesobot.staff import buttons
from mesobot.staff.audit import StaffActor
from mesobot.staff.closures import block_time, closure_window, unblock_day
from mesobot.texts import escape
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk

_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_range(text: str) -> tuple[time, time] | None:
    """ "HH:MM-HH:MM" as two wall times, the first before the second; None otherwise."""
    match = _RANGE.match(text)
    if match is None:
        return None
    try:
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        return None
    return (start, end) if start < end else None


async def _closure_command(
    update: Update, context: MesobotContext
) -> tuple[StaffActor, Message, str, list[str]] | None:
    """Who sent /block or /unblock, the message to answer, its language and the arguments;
    None (anyone else refused) when it is not a staff member's message."""
    staff = await staff_command(update, context)
    message = update.effective_message
    if staff is None or message is None:
        return None
    return (
        staff,
        message,
        await language_of(update, context.bot_data.services),
        list(context.args or []),
    )


async def _outside_window(message: Message, services: Services, language: str, day: date) -> bool:
    """Refuse, with a line saying which dates work, a day too far back or ahead; whether it
    was refused."""
    first, last = closure_window(today(services))
    if first <= day <= last:
        return False
    await message.reply_text(
        desk.closure_out_of_range(
            translations(language),
            first=texts.day_label(first, language),
            last=texts.day_label(last, language),
        )
    )
    return True


async def block(update: Update, context: MesobotContext) -> None:
    """/block <date> [HH:MM-HH:MM] [reason]: close a day or part of it to new bookings."""
    command = await _closure_command(update, context)
    if command is None:
        return
    staff, message, language, args = command
    services, t = context.bot_data.services, translations(language)
    day = parse_day(args[0], services) if args else None
    span = parse_range(args[1]) if len(args) > 1 else None
    reason = " ".join(args[2:] if span else args[1:])[:200]
    if day is None or not args[0][:1].isdigit():
        await message.reply_text(desk.block_usage(t))
        return
    if await _outside_window(message, services, language, day):
        return
    now = services.clock.now()
    async with services.database.write() as session:
        blocked = await block_time(
            session=session,
            clinic=services.clinic,
            day=day,
            start=span[0] if span else None,
            end=span[1] if span else None,
            reason=reason,
            staff=staff,
            now=now,
        )
    when = texts.day_label(day, language) + (
        f", {texts.hhmm(span[0])}-{texts.hhmm(span[1])}" if span else ""
    )
    lines = [desk.blocked(t, when=when) + (f" {escape(reason)}" if reason else "")]
    rows: list[tuple[Button, ...]] = []
    if blocked.affected:
        lines.append(desk.blocked_with_sessions(t, count=len(blocked.affected)))
        for a in blocked.affected:
            lines.append(
                f"{texts.hhmm(a.local_time)} <code>{escape(a.code)}</code>"
                f" · {texts.state_name(t, a.state)}"
            )
            data = buttons.MoveSession(a.id or 0, a.version)
            rows.append(
                (Button(desk.move_code_label(t, code=a.code), services.codec.encode(data)),)
            )
    rendered = RenderedMessage("\n".join(lines), tuple(rows[:90]))
    await message.reply_text(rendered.text, reply_markup=markup(rendered))


async def unblock(update: Update, context: MesobotContext) -> None:
    """/unblock <date>: remove the closures staff set on that day."""
    command = await _closure_command(update, context)
    if command is None:
        return
    staff, message, language, args = command
    services, t = context.bot_data.services, translations(language)
    day = parse_day(args[0], services) if args and args[0][:1].isdigit() else None
    if day is None:
        await message.reply_text(desk.unblock_usage(t))
        return
    if await _outside_window(message, services, language, day):
        return
    async with services.database.write() as session:
        removed = await unblock_day(
            session=session, clinic=services.clinic, day=day, staff=staff, now=services.clock.now()
        )
    label = texts.day_label(day, language)
    text = desk.unblocked(t, day=label, removed=removed)
    await message.reply_text(text)


def feature(_services: Services) -> Feature:
    """This module's handlers."""
    return Feature(handlers=_handlers(_services))


def _handlers(_services: Services) -> list[Handler]:
    return [CommandHandler("block", block), CommandHandler("unblock", unblock)]
