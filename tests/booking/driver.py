"""A patient at the keyboard, for booking tests: every action waits until the bot is done."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Message
from mesobot.db import Database
from mesobot.handlers.context import MesobotApplication
from mesobot.models import Appointment, Course


class PatientAtKeyboard:
    """Sends, taps and waits; `app` may be replaced by a restarted application."""

    def __init__(
        self, emulator: BotApiEmulator, app: MesobotApplication, user: TelegramUser
    ) -> None:
        self.emulator = emulator
        self.app = app
        self.user = user

    def _idle(self) -> bool:
        return self.app.update_processor.current_concurrent_updates == 0

    async def _settle(self) -> None:
        """Let the update being handled finish (its first effect has been seen already)."""
        for _ in range(100_000):
            if self._idle():
                return
            await asyncio.sleep(0)  # yield to the loop; no waiting for time to pass
        raise AssertionError("the bot is still handling an update")

    async def _new_messages_after(self, count: int) -> list[Message]:
        return [m for m in self.user.chat.messages[count:] if m.from_bot]

    async def command(self, name: str, arguments: str = "") -> list[Message]:
        """Send /name and return the bot's replies."""
        count = len(self.user.chat.messages)
        sent = self.user.send_command(name, arguments)
        return await self._replies_to(sent, count)

    async def text(self, text: str) -> list[Message]:
        """Type a message and return the bot's replies."""
        count = len(self.user.chat.messages)
        sent = self.user.send_text(text)
        return await self._replies_to(sent, count)

    async def contact(self, phone: str) -> list[Message]:
        """Share a phone number with the contact button."""
        count = len(self.user.chat.messages)
        sent = self.user.send_contact(phone)
        return await self._replies_to(sent, count)

    async def _replies_to(self, sent: Message, count: int) -> list[Message]:
        await self.user.next_bot_message(sent)
        await self._settle()
        return await self._new_messages_after(count)

    async def tap(
        self, label: str | None = None, *, data: str | None = None, message: Message | None = None
    ) -> tuple[str | None, list[Message]]:
        """Press a button (the latest with that label by default): the notice and new messages."""
        count = len(self.user.chat.messages)
        query = self.user.press_button(label, data=data, message=message)
        await self.emulator.wait_for(lambda: query.answered)
        await self._settle()
        assert query.answer is not None
        notice = query.answer.get("text")
        return (str(notice) if notice else None), await self._new_messages_after(count)

    @property
    def last(self) -> Message:
        """The bot's latest message."""
        return self.user.bot_messages[-1]


def clinic_staff(emulator: BotApiEmulator) -> list[int]:
    """One staff member who has opened the bot: without staff, the texts tell patients to call
    the clinic instead, and the flow's tests read the usual ones."""
    rita = emulator.create_user("Rita")
    assert rita.chat.user is not None
    rita.chat.user.started_bot = True
    return [rita.id]


async def courses_of(
    database: Database, telegram_user_id: int
) -> list[tuple[Course, list[Appointment]]]:
    """The courses a Telegram user has booked, with their sessions in order."""
    from mesobot.models import Patient

    async with database.read() as session:
        patient = (
            await session.exec(select(Patient).where(Patient.telegram_user_id == telegram_user_id))
        ).first()
        if patient is None:
            return []
        courses = (
            await session.exec(
                select(Course).where(Course.patient_id == patient.id).order_by(col(Course.id))
            )
        ).all()
        result = []
        for course in courses:
            appointments = (
                await session.exec(
                    select(Appointment)
                    .where(Appointment.course_id == course.id)
                    .order_by(col(Appointment.number))
                )
            ).all()
            result.append((course, list(appointments)))
        return result
