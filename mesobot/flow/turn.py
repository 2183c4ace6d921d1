"""One update of a patient's flow, and its transactions: read and render, then store the change.

On SQLite a write transaction is the database's one write lock. Computing a month calendar,
a day's free times or a course's preview inside it made every other patient wait, so a turn
keeps the screens out of it:

1. **Read.** A read transaction loads the patient and their draft (one query), and the step
   runs in it. The step checks the tap, changes the patient and the draft *in memory* only
   (`go`, `end`, attributes of `patient`), and renders the screens of where it leads. A screen
   that finds its date taken meanwhile moves the step in memory too: a redirect costs nothing
   more.
2. **Write, only what changed.** After the read is closed, a short write transaction stores
   the patient and the draft, if either changed. A tap that changes nothing (a treatment's
   information, a re-prompt, /help) opens no write transaction at all.
3. **Bookings.** A step that changes bookings (a course requested, a session moved or
   cancelled) hands the change to `write()`: the read is closed, the change runs in a write
   transaction (where it re-checks what was shown, under its lock) together with what the turn
   changed so far, and the step goes on in a fresh read that sees the change.

This is safe because one patient's updates are handled one at a time
(`mesobot.update_processor`) and nothing else writes that patient's draft; a screen computed
from a snapshot a moment old cannot book a taken place, because booking re-checks under its
lock. What a turn computes (the calendar with its closures, free dates and times, plans) is
kept for the rest of the turn, so that no step computes a screen twice; a write forgets it.
The read is closed before any write opens: with SQLite's rollback journal an open read would
keep that write from committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from sqlalchemy import inspect
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.drafts import live, patient_and_draft, rewrite_draft
from mesobot.models import FlowDraft, Patient
from mesobot.patients import note_seen, note_username, record_patient

if TYPE_CHECKING:
    from mesobot.services import Services

T = TypeVar("T")


@dataclass(frozen=True)
class Visitor:
    """Who sent the update, as Telegram tells it: the handlers build it from Telegram's user."""

    telegram_user_id: int
    language_code: str | None
    first_name: str
    username: str | None = None


class Turn:
    """The patient, their draft, and the transactions of one update (see the module's doc)."""

    patient: Patient
    draft: FlowDraft | None  # the live draft, as the turn has changed it so far

    def __init__(self, *, services: Services, visitor: Visitor) -> None:
        self.services = services
        self.now = services.clock.now()
        self.first_name = visitor.first_name
        self._visitor = visitor
        # The draft's row as the database has it (expired or not): a new draft replaces it.
        self._stored_draft: FlowDraft | None = None
        self._draft_changed = False
        self._reading = AsyncExitStack()
        self._session: AsyncSession | None = None
        self._computed: dict[Hashable, Any] = {}

    @classmethod
    async def take(
        cls, services: Services, visitor: Visitor, step: Callable[[Self], Awaitable[T]]
    ) -> T:
        """Run `step` on the visitor's turn; then store what it changed, if anything."""
        turn = cls(services=services, visitor=visitor)
        try:
            await turn._start_reading()
            await turn._load()
            result = await step(turn)
        finally:
            await turn._stop_reading()
        if turn._draft_changed or inspect(turn.patient).modified:
            async with services.database.write() as session:
                await turn._store(session)
        return result

    async def _load(self) -> None:
        """The patient and their draft, read in the turn's read session (one query); a first
        contact's patient record is created first, in a write of its own."""
        found = await patient_and_draft(
            session=self.session, telegram_user_id=self._visitor.telegram_user_id
        )
        self.session.expunge_all()  # changed in memory, stored by a write: never by the read
        if found is None:
            await self._stop_reading()
            async with self.services.database.write() as session:
                patient = await record_patient(
                    session=session,
                    telegram_user_id=self._visitor.telegram_user_id,
                    language=self.services.language_for(self._visitor.language_code),
                    now=self.now,
                )
            await self._start_reading()
            found = patient, None
        self.patient, self._stored_draft = found
        self.draft = live(self._stored_draft, self.now)
        note_seen(self.patient, self.now)
        note_username(self.patient, self._visitor.username)  # written only when it changed

    @property
    def session(self) -> AsyncSession:
        """The turn's read session: read from it; change bookings through `write()`."""
        if self._session is None:
            raise RuntimeError("a flow reads only during its turn")
        return self._session

    async def _start_reading(self) -> None:
        # A session touches the database only when first used: a step that reads nothing
        # costs no transaction.
        self._reading = AsyncExitStack()
        self._session = await self._reading.enter_async_context(self.services.database.read())

    async def _stop_reading(self) -> None:
        self._session = None
        await self._reading.aclose()

    async def write(self, change: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `change(session)` in a write transaction, with what the turn changed so far.

        The turn's values computed before are forgotten, and later reads see the change.
        """
        await self._stop_reading()
        async with self.services.database.write() as session:
            result = await change(session)
            await self._store(session)
        self._computed.clear()
        await self._start_reading()
        return result

    async def _store(self, session: AsyncSession) -> None:
        """Store the patient and the draft as the turn left them, in `session`."""
        session.add(self.patient)  # an UPDATE of the columns that changed, if any did
        if self._draft_changed:
            if self.draft is not None:
                session.add(self.draft)
            elif self._stored_draft is not None and inspect(self._stored_draft).has_identity:
                await session.delete(self._stored_draft)
            self._stored_draft, self._draft_changed = self.draft, False
        await session.flush()

    # The draft, in memory until the turn stores it

    def set_draft(self, step: str, answers: dict[str, Any], flow: str) -> None:
        """Put the draft at `step` with `answers` (stored at the end of the turn)."""
        assert self.patient.id is not None
        self.draft = rewrite_draft(
            self.draft or self._stored_draft,
            patient_id=self.patient.id,
            step=step,
            answers=answers,
            now=self.now,
            flow=flow,
        )
        self._draft_changed = True

    def end(self) -> None:
        """Forget the draft: the flow is over (the row goes at the end of the turn)."""
        self.draft = None
        self._draft_changed = True

    async def computed(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """`compute()`, computed once in the turn (until a write): the same screen twice
        costs nothing the second time."""
        if key not in self._computed:
            self._computed[key] = await compute()
        return cast(T, self._computed[key])
