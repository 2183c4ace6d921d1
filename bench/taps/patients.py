"""Emulated people at the keyboard: patients booking a course, and users of the echo bot.

Each person waits for the bot's whole reply before the next step: for a button, its
answerCallbackQuery (which the bot sends after the step's screens); for typed text, the
reply that carries the next step's keyboard. Every update they queue is timed by a Stopwatch.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.taps.stopwatch import Stopwatch
from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import ApiCall, BotApiEmulator
from botapi_emulator.state import Message

# The flow's English texts and labels the patients read (mesobot/texts/booking.py).
AGREE, ADULT, BOOK = "I agree", "Yes, I am 18 or older", "Book this treatment"
BACK = "Back to the treatments"
CANCEL, NOTHING, CONFIRM = "Cancel", "Nothing to add", "Confirm"
NEXT_MONTH, PREVIOUS_MONTH, OTHER_DATE = "Next »", "« Previous", "Other date"
TREATMENTS, AREA, COUNT = "Our treatments", "Which area", "How many sessions"
QUESTION, NOTE, REQUESTED = "Health question", "Anything else", "Your request is sent"
PHONE = "Which phone number"  # its keyboard is a reply keyboard, which the emulator drops
_TIME = re.compile(r"^\d\d:\d\d$")
SLOT_ATTEMPTS = 20  # taps on dates, times and Confirm before a patient gives up


class Stuck(Exception):
    """The bot showed something this patient does not know how to go on from."""


def _next_screen(message: Message, text: str | None) -> bool:
    """Whether a reply is the next step's screen: buttons, or the expected `text`."""
    return bool(message.buttons) or (text is not None and text in (message.text or ""))


class Person:
    """A Telegram user who sends one thing at a time and waits for the bot's whole reply."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        user: TelegramUser,
        stopwatch: Stopwatch,
        within: float,
        think: float = 0.0,
    ) -> None:
        self.emulator = emulator
        self.user = user
        self.stopwatch = stopwatch
        self.within = within
        self.think = think
        self._pauses = random.Random(user.id)  # the same pauses in every run
        self._queries: set[str] = set()
        self.doing = "nothing yet"  # the latest step, to say where a patient got stuck

    async def _read_the_screen(self) -> None:
        """A person reads before the next tap: on average `think` seconds, half to one and a
        half times that. Without it, 20 patients tapping back to back would measure a
        saturated queue, not the wait of one tap."""
        if self.think > 0:
            await asyncio.sleep(self.think * self._pauses.uniform(0.5, 1.5))

    def _belongs(self, call: ApiCall) -> bool:
        """Whether an API call answers this person: a message to their chat or their tap."""
        params = call.params
        return (
            str(params.get("chat_id")) == str(self.user.id)
            or params.get("callback_query_id") in self._queries
        )

    @property
    def screen(self) -> Message:
        """The bot's latest message to this person."""
        return self.user.bot_messages[-1]

    async def send(
        self, send: Callable[[], Message], complete: Callable[[list[Message]], bool]
    ) -> None:
        """Send something typed; wait until the bot's messages since then are `complete`."""
        await self._read_the_screen()
        chat = self.user.chat
        start = len(chat.messages)
        mark = self.stopwatch.mark()
        sent = send()
        self.doing = f"sent {sent.text or sent.contact}"
        await self.emulator.wait_for(
            lambda: complete([m for m in chat.messages[start:] if m.from_bot]), self.within
        )
        self.stopwatch.finish(mark, self._belongs)

    async def tap(self, label: str) -> str | None:
        """Press a button of the latest screen; return the notice the bot answered with."""
        await self._read_the_screen()
        screen = self.screen
        if label not in screen.button_labels:
            raise Stuck(f"no button {label!r} on {screen.text!r}")
        mark = self.stopwatch.mark()
        query = self.user.press_button(label, message=screen)
        self.doing = f"tapped {label!r}"
        self._queries.add(query.id)
        await self.emulator.wait_for(lambda: query.answered, self.within)
        self.stopwatch.finish(mark, self._belongs)
        assert query.answer is not None
        notice = query.answer.get("text")
        return str(notice) if notice else None


class Patient(Person):
    """A patient of the booking flow: a typed answer is complete with the next step's screen."""

    async def typed(self, send: Callable[[], Message], screen: str | None = None) -> None:
        """Send, and wait for the next step's screen: a reply with buttons, or with `screen`."""
        await self.send(send, lambda replies: any(_next_screen(m, screen) for m in replies))

    def choices(self) -> list[str]:
        """The latest screen's buttons, Cancel aside."""
        return [label for label in self.screen.button_labels if label != CANCEL]

    async def pick(self, index: int) -> str | None:
        """Tap the choice at `index` (modulo how many there are)."""
        choices = self.choices()
        if not choices:
            raise Stuck(f"nothing to choose on {self.screen.text!r}")
        return await self.tap(choices[index % len(choices)])

    def expect(self, fragment: str) -> None:
        """Stop unless the latest screen says `fragment`."""
        if fragment not in (self.screen.text or ""):
            raise Stuck(f"expected {fragment!r}, got {self.screen.text!r}")


@dataclass(frozen=True)
class Plan:
    """The first slot patient number `n` wants (the steps below spread its other choices).

    Three dates and two times are popular, so patients who reach the calendar together
    contend for the same slots, and some must choose again.
    """

    n: int

    @property
    def date_index(self) -> int:
        return self.n % 3

    @property
    def time_index(self) -> int:
        return (self.n // 3) % 2


@dataclass
class Booking:
    """How a patient's booking went."""

    booked: bool = False
    # What the bot answered taps on a date, time or Confirm that lost the slot ("taken",
    # "changed"), in order.
    answered: list[str] = field(default_factory=list)
    failure: str | None = None

    @property
    def slots_lost(self) -> int:
        return len(self.answered)

    def losses(self) -> str:
        """What the bot answered the lost taps, counted."""
        counted = Counter(self.answered).most_common()
        return ", ".join(f"{count} x {notice[:50]!r}" for notice, count in counted)


async def book_a_course(patient: Patient, plan: Plan) -> Booking:
    """From /start to Confirm, then /appointments; one who cannot finish has failed to book."""
    booking = Booking()
    try:
        await through_consent(patient)
        await choose_treatment(patient, plan)
        await through_questions(patient, plan)
        await through_contact(patient, plan)
        await look_around_the_calendar(patient, plan)
        booking.booked = await pick_a_slot(patient, plan, booking)
        if booking.booked:
            await patient.typed(lambda: patient.user.send_command("appointments"))
        else:
            booking.failure = f"no slot after {SLOT_ATTEMPTS} taps ({booking.losses()})"
    except Stuck as error:
        booking.failure = f"stuck: {error}"[:200]
    except TimeoutError:
        booking.failure = f"no reply within {patient.within:g} s after {patient.doing}"
    return booking


async def through_consent(patient: Patient) -> None:
    """/start, consent, age: the list of treatments."""
    await patient.typed(lambda: patient.user.send_command("start"))
    await patient.tap(AGREE)
    await patient.tap(ADULT)
    patient.expect(TREATMENTS)


async def choose_treatment(patient: Patient, plan: Plan) -> None:
    """Read two other treatments first, then book the planned one (area and count if asked)."""
    for other in (plan.n + 1, plan.n + 2):
        await patient.pick(other)
        await patient.tap(BACK)
    await patient.pick(plan.n)
    await patient.tap(BOOK)
    for fragment in (AREA, COUNT):
        if fragment in (patient.screen.text or ""):
            await patient.pick(plan.n)
    patient.expect(QUESTION)


async def through_questions(patient: Patient, plan: Plan) -> None:
    """The questionnaire: every fourth patient has an allergy; half add a note."""
    first = True
    while QUESTION in (patient.screen.text or ""):
        await patient.pick(1 if first and plan.n % 4 == 0 else 0)
        first = False
    patient.expect(NOTE)
    if plan.n % 2 == 0:
        await patient.typed(lambda: patient.user.send_text("I bruise easily"))
    else:
        await patient.tap(NOTHING)


async def through_contact(patient: Patient, plan: Plan) -> None:
    """A name typed or taken from Telegram; the phone shared or typed: the calendar."""
    if plan.n % 3 == 0:
        await patient.pick(0)  # Use “<Telegram first name>”
    else:
        await patient.typed(lambda: patient.user.send_text(f"Patient Number {plan.n}"), PHONE)
    patient.expect(PHONE)
    phone = f"+34 600 111 {plan.n:03d}"
    if plan.n % 2 == 0:
        await patient.typed(lambda: patient.user.send_contact(phone))
    else:
        await patient.typed(lambda: patient.user.send_text(phone))


async def look_around_the_calendar(patient: Patient, plan: Plan) -> None:
    """Half the patients look at next month first; the others at a date's times."""
    labels = patient.screen.button_labels
    if plan.n % 2 == 1 and NEXT_MONTH in labels:
        await patient.tap(NEXT_MONTH)
        await patient.tap(PREVIOUS_MONTH)
    elif days := [label for label in labels if label.isdigit()]:
        await patient.tap(days[(plan.date_index + 1) % len(days)])
        if OTHER_DATE in patient.screen.button_labels:
            await patient.tap(OTHER_DATE)


async def pick_a_slot(patient: Patient, plan: Plan, booking: Booking) -> bool:
    """Date, time, Confirm; after a "taken" answer, choose again from what the bot shows."""
    for attempt in range(SLOT_ATTEMPTS):
        screen = patient.screen
        labels = screen.button_labels
        if REQUESTED in (screen.text or ""):
            return True
        if CONFIRM in labels:
            notice = await patient.tap(CONFIRM)
        elif times := [label for label in labels if _TIME.match(label)]:
            notice = await patient.tap(times[(plan.time_index + attempt) % len(times)])
        elif days := [label for label in labels if label.isdigit()]:
            notice = await patient.tap(days[(plan.date_index + attempt) % len(days)])
        elif NEXT_MONTH in labels:
            notice = await patient.tap(NEXT_MONTH)  # nothing free this month
        else:
            raise Stuck(f"no date, time or Confirm on {screen.text!r}")
        if notice is not None:
            booking.answered.append(notice)
    return REQUESTED in (patient.screen.text or "")


async def chat_with_echo(person: Person, messages: int) -> None:
    """Send `messages` texts one after another, each once its echo has come back."""
    for number in range(messages):
        await _echoed(person, f"message {number} from {person.user.id}")


async def _echoed(person: Person, text: str) -> None:
    await person.send(
        lambda: person.user.send_text(text), lambda replies: any(m.text == text for m in replies)
    )
