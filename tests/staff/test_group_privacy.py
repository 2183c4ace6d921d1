"""No health or contact data reaches a group chat, whatever command or button is used there.

The commands are those the running application registered, and the buttons every kind the
codec knows: a command or a button added later is tried here without a line of its own. Each
is used by a member of staff and by a patient, in the staff group and in a stray group, once
the bot holds everything worth hiding: a booking with a questionnaire note, a confirmed course,
a pending request and a reaction report with a description.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, get_type_hints

from sqlmodel import col, func, select
from telegram.ext import CommandHandler

from botapi_emulator.driver import TelegramUser
from botapi_emulator.state import CallbackQueryRecord, Chat, Message
from mesobot.callbacks import ButtonData, registered_kinds
from mesobot.i18n import translations
from mesobot.models import Course, Patient
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.texts import booking as booking_texts
from mesobot.texts import send_privately
from tests.staff.conftest import ANSWERS, HEALTH_WORDS, Clinic

PHONE = "+34600111222"
DESCRIPTION = "My left cheek is swollen since Tuesday"
SIGN = "infection"
LINE = send_privately(translations("en"))
WITHIN = 120.0  # hundreds of updates on a shared machine: generous, never a timing test


@dataclass
class HealthData:
    """What the bot holds once the patient booked, was confirmed, reported, and booked again."""

    confirmed: Course
    pending: Course
    appointments: list[int]  # the first session of each course
    day: date
    code: str
    report_id: int


async def _health_data(clinic: Clinic) -> HealthData:
    """Ana books (with her note), Rita confirms; after the first session Ana reports a
    reaction with a description; then Ana requests a second course, left pending."""
    async with clinic.services.database.write() as session:
        patient = await session.get(Patient, clinic.patient_id)
        assert patient is not None
        patient.phone = PHONE
        session.add(patient)
    booked = await clinic.request()
    notice = await clinic.rita.next_bot_message(
        after=None, where=lambda m: f"Request #{booked.course.id}" in (m.text or ""), within=10
    )
    clinic.rita.press_button("✅ Confirm all", message=notice)
    await clinic.emulator.wait_for(lambda: notice.buttons == [], within=10)
    # Monday 7 December, 12:00 in Madrid: session 1 was at 10:00 and the clinic is open.
    clinic.clock.set(datetime(2026, 12, 7, 11, 0, tzinfo=UTC))
    await _report(clinic)
    pending = await clinic.request(first=date(2027, 1, 11), treatment="cellulite", session_count=3)
    first = booked.appointments[0]
    return HealthData(
        confirmed=await clinic.course(booked.course.id or 0),
        pending=await clinic.course(pending.course.id or 0),
        appointments=[first.id or 0, pending.appointments[0].id or 0],
        day=first.local_date,
        code=first.code,
        report_id=await _report_id(clinic),
    )


async def _report(clinic: Clinic) -> None:
    ana = clinic.patient
    ana.send_command("report")
    question = await ana.next_bot_message(where=lambda m: "What do you see" in (m.text or ""))
    ana.press_button(clinic.services.clinic.care.signs[SIGN].label.in_language("en"))
    prompt = await ana.next_bot_message(
        after=question, where=lambda m: "send a photo" in (m.text or "")
    )
    ana.send_text(DESCRIPTION, reply_to=prompt)
    await ana.next_bot_message(where=lambda m: "with your report" in (m.text or ""))


async def _report_id(clinic: Clinic) -> int:
    from mesobot.care.models import ReactionReport

    async with clinic.services.database.read() as session:
        return (await session.exec(select(func.max(ReactionReport.id)))).one() or 0


def registered_commands(clinic: Clinic) -> list[str]:
    """Every command of every CommandHandler the application registered, in any group."""
    handlers = itertools.chain.from_iterable(clinic.application.handlers.values())
    return sorted({name for h in handlers if isinstance(h, CommandHandler) for name in h.commands})


def _field_values(kind: type[ButtonData], name: str, data: HealthData) -> list[Any]:
    """Real values for one field of a kind: ids of what the bot holds, or a plausible token."""
    annotation = get_type_hints(kind)[name]
    if annotation is bool:
        return [False, True]
    if annotation is date:
        return [data.day]
    if annotation is int:
        by_name: dict[str, list[int]] = {
            "course": [data.confirmed.id or 0, data.pending.id or 0],
            "version": [data.confirmed.version, data.pending.version],
            "appointment": data.appointments,
            "appointment_id": data.appointments,
            "report_id": [data.report_id],
            "answer": [0, 1, 2],
            "count": [3],
            "year": [2027],
            "month": [1],
            "minute": [600],
        }
        return by_name.get(name, [1])
    tokens: dict[str, list[str]] = {
        "action": ["d", "n", "c", "k"],
        "reason": ["typed", "times"],
        "at": ["1000"],
        "sign": [SIGN],
        "treatment": ["cellulite"],
    }
    return tokens.get(name, ["x"])


def button_data(data: HealthData) -> list[ButtonData]:
    """Every kind the codec knows, with every combination of the values above."""
    found: list[ButtonData] = []
    for kind in registered_kinds().values():
        names = [field.name for field in dataclasses.fields(kind)]  # type: ignore[arg-type]
        choices = [_field_values(kind, name, data) for name in names]
        found += [
            kind(**dict(zip(names, values, strict=True))) for values in itertools.product(*choices)
        ]
    return found


def forbidden_words(clinic: Clinic) -> list[re.Pattern[str]]:
    """What no group may read: treatments, areas, signs, questions and answers, the patient's
    name, phone and Telegram id, and the report's description; in each language the clinic
    speaks."""
    services = clinic.services
    words: set[str] = {*HEALTH_WORDS, ANSWERS["note"], "Ana", "Pérez", PHONE, PHONE[3:]}
    words |= {DESCRIPTION, str(clinic.patient.id), "lidocaine", "procaine"}
    for language in services.clinic.clinic.languages:
        t = translations(language)
        words |= {
            treatment.name.in_language(language)
            for treatment in services.clinic.treatments.values()
        }
        words |= {t.gettext(label) for label in booking_texts.AREA_LABELS.values()}
        words |= {t.gettext(text) for text in booking_texts.QUESTION_TEXTS.values()}
        labels = booking_texts.ANSWER_LABELS.values()
        words |= {t.gettext(label) for label in labels if len(label) > 3}
        for sign in services.clinic.care.signs.values():
            words |= {sign.label.in_language(language), sign.staff_label.in_language(language)}
    words |= {key.replace("_", " ") for key in ANSWERS["questionnaire"]}
    return [re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE) for word in words]


def _leaks(text: str, patterns: list[re.Pattern[str]]) -> list[str]:
    return [pattern.pattern for pattern in patterns if pattern.search(text)]


def _everything_shown(message: Message) -> list[str]:
    """The message's text or caption now and in every earlier version."""
    versions = [{"text": message.text, "caption": message.caption}, *message.earlier_versions]
    return [str(v.get("text") or v.get("caption") or "") for v in versions]


async def _outbox_due(clinic: Clinic) -> int:
    async with clinic.services.database.read() as session:
        query = select(func.count()).select_from(OutboxMessage)
        return (
            await session.exec(
                query.where(
                    col(OutboxMessage.state).in_([MessageState.DUE, MessageState.SENDING]),
                    OutboxMessage.next_attempt_at <= clinic.clock.now(),
                )
            )
        ).one()


async def _settled(clinic: Clinic) -> None:
    """Every update handled and nothing due in the outbox, twice in a row 50 ms apart:
    whatever the bot would say about what happened so far, it has said."""
    application = clinic.application
    quiet_checks = 0
    for _ in range(int(WITHIN / 0.05)):
        idle = (
            clinic.emulator.world.updates.idle
            and application.update_queue.empty()
            and application.update_processor.current_concurrent_updates == 0
            and not await _outbox_due(clinic)
        )
        quiet_checks = quiet_checks + 1 if idle else 0
        if quiet_checks == 2:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(
        f"the bot is still busy: {len(clinic.emulator.world.updates.pending)} updates pending, "
        f"{application.update_processor.current_concurrent_updates} being handled, "
        f"{await _outbox_due(clinic)} outbox messages due"
    )


@dataclass
class Trial:
    """One command sent, or one button pressed, by someone in a group."""

    chat: Chat
    sent: Message | None = None
    press: CallbackQueryRecord | None = None

    def answered(self, bot_left: bool) -> bool:
        """Whether the bot has dealt with it (and, in a stray group, left)."""
        if bot_left and any(member.is_bot for member in self.chat.members):
            return False
        if self.press is not None:
            return self.press.answered
        return any(m.reply_to is self.sent for m in self.chat.bot_messages)


def _try_everything(
    clinic: Clinic,
    data: HealthData,
    users: tuple[TelegramUser, ...],
    chat_for: Callable[[], Chat],
    pressed_in: Callable[[Chat], Message],
) -> list[Trial]:
    """Every registered command with each kind of argument, and every button, by each user;
    `chat_for()` gives the chat of each, `pressed_in(chat)` the message pressed there."""
    codec = clinic.services.codec
    arguments = ("", "Ana", data.code, data.day.isoformat())
    trials = []
    for user in users:
        for command, argument in itertools.product(registered_commands(clinic), arguments):
            chat = chat_for()
            trials.append(Trial(chat, sent=user.send_command(command, argument, chat=chat)))
        for button in button_data(data):
            chat = chat_for()
            press = user.press_button(data=codec.encode(button), message=pressed_in(chat))
            trials.append(Trial(chat, press=press))
    return trials


def _group_texts(chats: list[Chat]) -> list[str]:
    return [text for chat in chats for m in chat.bot_messages for text in _everything_shown(m)]


async def test_no_command_or_button_puts_health_or_contact_data_in_a_group(
    clinic: Clinic,
) -> None:
    data = await _health_data(clinic)
    commands = registered_commands(clinic)
    assert {"pending", "patient", "calendar", "block", "reports", "start"} <= set(commands)
    patterns = forbidden_words(clinic)
    await _settled(clinic)
    # The words are the right ones: staff read them privately.
    private = " ".join(m.text or m.caption or "" for m in clinic.rita.bot_messages)
    for word in ("Ana", "lidocaine", "Facial rejuvenation", PHONE, DESCRIPTION):
        assert word in private, word
    ana, rita = clinic.patient, clinic.rita
    staff_group = clinic.group
    # The group's notices: initials and a session code, where to look, nothing more.
    notices = [m.text or "" for m in staff_group.bot_messages]
    assert f"New request #{data.confirmed.id} from A. P., first session {data.code}" in notices[0]
    assert f"Report #{data.report_id} (session {data.code}) needs a member of staff" in notices[1]
    assert f"New request #{data.pending.id} from A. P., first session" in notices[2]
    staff_group.members.append(ana.user)  # anyone not staff may be in it too
    group_notice = next(m for m in staff_group.bot_messages if "New request" in (m.text or ""))
    before = group_notice.text
    in_staff_group = _try_everything(
        clinic, data, (rita, ana), lambda: staff_group, lambda _chat: group_notice
    )
    world = clinic.emulator.world
    strays: list[Chat] = []

    def stray() -> Chat:
        strays.append(clinic.emulator.create_group("Family", [rita, ana]))
        return strays[-1]

    def old_bot_message(chat: Chat) -> Message:
        # A message the bot posted there before it learned to leave stray groups.
        return world.add_message(chat, world.bot, text="Mesobot")

    in_strays = _try_everything(clinic, data, (rita, ana), stray, old_bot_message)
    await _settled(clinic)

    groups = [staff_group, *strays]
    assert not [m for chat in groups for m in chat.bot_messages if m.document is not None]
    leaks = {(leak, text) for text in _group_texts(groups) for leak in _leaks(text, patterns)}
    assert not leaks
    answers = [t.press.answer for t in (*in_staff_group, *in_strays) if t.press is not None]
    assert {str(answer.get("text")) for answer in answers if answer} == {LINE}
    assert group_notice.text == before
    assert not group_notice.earlier_versions
    # Every command and press was answered, and the bot left each stray group.
    assert all(trial.answered(bot_left=False) for trial in in_staff_group)
    assert all(trial.answered(bot_left=True) for trial in in_strays)
    # Outside the short list, a command in the staff group gets the one line and nothing else.
    for trial in in_staff_group:
        command = (trial.sent.text or "").split("@")[0][1:] if trial.sent else ""
        if trial.sent is not None and command not in ("agenda", "week"):
            replies = [m.text for m in staff_group.bot_messages if m.reply_to is trial.sent]
            assert replies == [LINE], (trial.sent.text, replies)
    for chat in strays:
        assert {m.text for m in chat.bot_messages} <= {LINE, "Mesobot"}


async def test_the_bot_leaves_a_group_it_is_added_to_and_stays_in_the_staff_group(
    clinic: Clinic,
) -> None:
    family = clinic.emulator.create_group("Family", [clinic.patient])
    family.members.remove(clinic.emulator.world.bot)
    clinic.patient.add_bot_to(family)
    bot = clinic.emulator.world.bot
    await clinic.emulator.wait_for(lambda: bot not in family.members)
    clinic.rita.add_bot_to(clinic.group)  # the staff group: added again, it stays
    await _settled(clinic)
    assert bot in clinic.group.members
    assert family.bot_messages == []
    assert [c.params["chat_id"] for c in clinic.emulator.calls if c.method == "leaveChat"] == [
        family.id
    ]
