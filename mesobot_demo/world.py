"""The demo's world: the emulator with a patient, a staff member and the staff group, and the
real application running against it on a clock the page can move forward."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Chat
from mesobot.app import build_application
from mesobot.clinic import Clinic
from mesobot.clock import ShiftedClock
from mesobot.config import Settings
from mesobot.handlers.context import MesobotApplication
from mesobot.outbox.enqueue import next_due_at
from mesobot_demo.render import message_json, reply_keyboard

# What bot.py's run_polling asks Telegram for.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
PATIENT_PHONE = "+34600111222"
PANES = ("patient", "staff", "group")


@dataclass
class DemoPeople:
    """Who is in the demo: the patient, one staff member, and the staff group they are in."""

    patient: TelegramUser
    staff: TelegramUser
    group: Chat


class DemoWorld:
    """Starts and stops the emulator and the bot; the page's actions and its view of them."""

    def __init__(self, *, database_url: str, clinic: Clinic, start: datetime | None) -> None:
        self.clock = ShiftedClock(start)
        self.clinic = clinic
        self.emulator = BotApiEmulator(
            bot_username="mesobot_demo_bot", clock=lambda: self.clock.now().timestamp()
        )
        self.database_url = database_url
        self.application: MesobotApplication | None = None
        self.people: DemoPeople | None = None

    async def start(self) -> None:
        """Start the emulator, create the people, then start the bot as `run_polling` does."""
        await self.emulator.start()
        patient = self.emulator.create_user("Ana", last_name="García", username="ana_demo")
        staff = self.emulator.create_user("Marta", username="marta_clinic")
        staff.user.started_bot = True  # staff have opened the bot before; patients start it
        group = self.emulator.create_group("Clinic staff", [staff])
        self.people = DemoPeople(patient, staff, group)
        settings = Settings(
            telegram_bot_token=SecretStr(self.emulator.token),
            telegram_api_base_url=self.emulator.base_url,
            telegram_api_base_file_url=self.emulator.base_file_url,
            database_url=self.database_url,
            mesobot_staff_ids=[staff.id],
            mesobot_staff_chat_id=group.id,
        )
        application = build_application(settings, clock=self.clock, clinic=self.clinic)
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)
        await application.start()
        self.application = application

    async def stop(self) -> None:
        """Stop the bot as `run_polling` does at Ctrl-C, then the emulator."""
        application, self.application = self.application, None
        if application is not None:
            assert application.updater is not None
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
        await self.emulator.stop()

    # The people

    def who(self, pane: str) -> tuple[TelegramUser, Chat]:
        """The user typing in a pane, and the chat the pane shows."""
        assert self.people is not None
        if pane == "patient":
            return self.people.patient, self.people.patient.chat
        if pane == "staff":
            return self.people.staff, self.people.staff.chat
        if pane == "group":
            return self.people.staff, self.people.group
        raise KeyError(pane)

    def pane_of(self, chat_id: int) -> str | None:
        """Which pane shows a chat."""
        return next((pane for pane in PANES if self.who(pane)[1].id == chat_id), None)

    # The time machine

    async def next_due(self) -> datetime | None:
        """When the outbox's earliest waiting message falls due, if any waits."""
        if self.application is None:
            return None
        database = self.application.bot_data.services.database
        async with database.read() as session:
            return await next_due_at(session=session)

    async def travel(self, step: str) -> str:
        """Move the bot's clock: "next" (to the next due message), "hour" or "day"."""
        if step == "hour":
            self.clock.advance(timedelta(hours=1))
        elif step == "day":
            self.clock.advance(timedelta(days=1))
        elif step == "next":
            due = await self.next_due()
            if due is None:
                return "Nothing is waiting in the outbox."
            if due > self.clock.now():
                self.clock.advance(due - self.clock.now() + timedelta(seconds=1))
        else:
            raise KeyError(step)
        self.emulator.world.changes.notify()
        return ""

    # What the page shows

    def version(self) -> int:
        """Grows with every change the page could see (the clock's jumps notify too)."""
        return self.emulator.world.changes.version

    async def state(self) -> dict[str, Any]:
        """Everything the page draws."""
        due = await self.next_due()
        world = self.emulator.world
        chats = {}
        for pane in PANES:
            user, chat = self.who(pane)
            chats[pane] = {
                "id": chat.id,
                "title": chat.title or user.user.first_name,
                "started": user.user.started_bot or pane == "group",
                "messages": [message_json(message) for message in chat.messages],
                "keyboard": reply_keyboard(chat.reply_keyboard),
            }
        now = world.clock()
        late = [
            query
            for query in world.unanswered_callback_queries()
            if now - query.sent_at > world.callback_answer_timeout
        ]
        problems = [
            {"method": v.method, "status": v.status, "description": v.description}
            for v in self.emulator.violations
        ] + [
            {
                "method": "answerCallbackQuery",
                "status": 0,
                "description": f"the button {q.data!r} was pressed and never answered",
            }
            for q in late
        ]
        toasts = [
            {
                "id": query.id,
                "pane": self.pane_of(query.message.chat.id),
                "text": str(query.answer.get("text")),
                "alert": bool(query.answer.get("show_alert")),
            }
            for query in world.callback_queries.values()
            if query.answer is not None and query.answer.get("text")
        ]
        return {
            "version": self.version(),
            "now": self.clock.now().isoformat(),
            "zone": self.clinic.clinic.timezone,
            "next_due": due.isoformat() if due is not None else None,
            "chats": chats,
            "violations": problems,
            "toasts": toasts,
        }


def demo_database_url(folder: Path) -> str:
    """A fresh SQLite file in the demo's folder: every demo starts from an empty clinic."""
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob("mesobot.sqlite3*"):
        leftover.unlink()
    return f"sqlite:///{(folder / 'mesobot.sqlite3').resolve()}"
