"""Webhook mode's inbox worker: every receiver handles stored updates, each user's in order.

A receiver stores each update (`mesobot.web.webhook`) and answers 200; the worker of any
receiver then handles it. A user's turn is a session-level advisory lock on PostgreSQL (on a
connection held for it, so a receiver that dies frees it with its connections), an asyncio
lock within one process on SQLite. Under the turn, the user's earliest unhandled update is
leased (its attempts counted, one statement), then handled by PTB's `process_update`.

Each update is handled in one unit of work (`mesobot.db.Database.update_transaction`): one
write transaction around `process_update`, which every read and write of the handler joins
(a write as a savepoint), and in which the handled mark is written last. The handler's changes,
its replies (outbox rows: in webhook mode every chat-changing Bot API call is queued,
`mesobot.handlers.budget`) and the mark commit together or not at all: a receiver killed (or a
failure) before that commit leaves the update to be handled again from scratch, one killed
after it leaves it handled, its replies queued for the dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Update

from mesobot import metrics
from mesobot.handlers.context import MesobotApplication
from mesobot.handlers.feature import Feature
from mesobot.handlers.queued_calls import calls_for_chat
from mesobot.inbox import store
from mesobot.inbox.models import InboxUpdate
from mesobot.services import Services

logger = logging.getLogger(__name__)

# Users handled at once by one receiver; each holds one connection for its turn.
USERS_AT_ONCE = 8
LEASE = timedelta(seconds=15)
MAX_ATTEMPTS = 3  # an update that kills its receiver this often is given up, not retried forever
LOOK_EVERY = 1.0  # for updates another receiver stored (or left behind when it died)
INBOX_LOCK_SPACE = 0x696E62  # "inb": the first key of every user's advisory lock
# A handled update's row (its id and sender; its content is emptied when handled) is kept this
# long, so that Telegram's late second delivery of it is still recognised, then deleted.
KEEP_HANDLED = timedelta(days=2)
PURGE_EVERY = 600.0  # seconds


class InboxWorker:
    """Finds users with waiting updates and handles their updates one at a time, in order."""

    def __init__(self, application: MesobotApplication) -> None:
        self.application = application
        self.services: Services = application.bot_data.services
        self._wake = asyncio.Event()
        self._active: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._places = asyncio.Semaphore(USERS_AT_ONCE)
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._purged_at = float("-inf")

    def wake(self) -> None:
        """Look for work now (an update was just stored)."""
        self._wake.set()

    def start(self) -> None:
        self._loop_task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Finish the updates in flight, then stop looking."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._look()
            except Exception:
                logger.exception("The inbox's look for updates failed; trying again")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LOOK_EVERY):
                    await self._wake.wait()
            self._wake.clear()

    async def _look(self) -> None:
        if time.monotonic() - self._purged_at > PURGE_EVERY:
            self._purged_at = time.monotonic()
            async with self.services.database.write() as session:
                before = self.services.clock.now() - KEEP_HANDLED
                await store.purge_handled(session=session, before=before)
        async with self.services.database.read() as session:
            senders = await store.senders_waiting(
                session=session, now=self.services.clock.now(), limit=USERS_AT_ONCE * 4
            )
        for sender in senders:
            if sender in self._active or self._stopping:
                continue
            self._active.add(sender)
            task = asyncio.get_running_loop().create_task(self._serve(sender))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, sender: int) -> None:
        try:
            async with self._places, self._turn(sender) as (mine, connection):
                while mine and not self._stopping:
                    async with self.services.database.write() as session:
                        row = await store.lease_next(
                            session=session,
                            sender=sender,
                            now=self.services.clock.now(),
                            lease=LEASE,
                        )
                    if row is None:
                        break
                    await self._handle(row, connection)
        except Exception:
            logger.exception("Handling the updates of user %d failed; trying again later", sender)
        finally:
            self._active.discard(sender)
        if not self._stopping:
            self._wake.set()  # more may have come for this user meanwhile

    @contextlib.asynccontextmanager
    async def _turn(self, sender: int) -> AsyncIterator[tuple[bool, AsyncConnection | None]]:
        """This user's turn: whether it was taken (not when another receiver has it), and on
        PostgreSQL the connection that holds it, on which the user's updates are handled: one
        connection per user served, not two."""
        if self.services.database.engine.dialect.name != "postgresql":
            yield True, None  # one process on SQLite: `_active` keeps one task per user
            return
        key = {"space": INBOX_LOCK_SPACE, "user": sender % 2_147_483_647}
        async with self.services.database.engine.connect() as connection:
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:space, CAST(:user AS integer))"), key
            )
            await connection.commit()  # session-level: the lock outlives the transaction
            try:
                yield bool(taken), connection
            finally:
                if taken:
                    await connection.execute(
                        text("SELECT pg_advisory_unlock(:space, CAST(:user AS integer))"), key
                    )
                    await connection.commit()

    async def _handle(self, row: InboxUpdate, connection: AsyncConnection | None) -> None:
        database, clock = self.services.database, self.services.clock
        attempts = row.attempts
        if attempts > MAX_ATTEMPTS:
            logger.error("Update %d was given up after %d attempts", row.update_id, attempts - 1)
            async with database.write() as session:
                await store.mark_handled(
                    session=session,
                    update_id=row.update_id,
                    now=clock.now(),
                    outcome=f"given up after {attempts - 1} attempts",
                )
            return
        update = Update.de_json(row.payload, self.application.bot)
        chat = update.effective_chat.id if update.effective_chat else row.sender
        started = time.perf_counter()
        try:
            with calls_for_chat(chat):
                async with database.update_transaction(connection) as session:
                    await self.application.process_update(update)
                    # Last, in the same transaction: the update counts as handled exactly
                    # when what its handler did is kept.
                    await store.mark_handled(
                        session=session, update_id=row.update_id, now=clock.now()
                    )
        except store.AlreadyHandled:
            logger.warning("Update %d was handled elsewhere", row.update_id)
        metrics.HANDLER_SECONDS.observe(time.perf_counter() - started)
        metrics.UPDATES_HANDLED.labels(kind=store.kind_of(row.payload)).inc()


async def start_inbox(application: MesobotApplication) -> None:
    """Start the worker (webhook mode only), and wake the dispatcher across processes."""
    services = application.bot_data.services
    if not services.webhook:
        return
    worker = InboxWorker(application)
    application.bot_data.inbox_wake = worker.wake
    application.bot_data.stop_inbox = worker.stop
    worker.start()


async def stop_inbox(application: MesobotApplication) -> None:
    """Let the updates in flight finish (their handlers may still send and write)."""
    stop, application.bot_data.stop_inbox = application.bot_data.stop_inbox, None
    application.bot_data.inbox_wake = None
    if stop is not None:
        await stop()


def feature(_services: Services) -> Feature:
    """The inbox worker's life; it comes before the outbox's stop, which it may still feed."""
    return Feature(on_start=[start_inbox], on_stop=[stop_inbox])
