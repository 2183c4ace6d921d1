"""The dispatcher: claims due messages, paces them, sends them and records what happened.

It knows nothing of Telegram or of the job queue: the edge gives it a `Sender` and a way to
be woken later, and wakes it when time moves, a message is queued, or a timer fires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.outbox import claims
from mesobot.outbox.enqueue import enqueue_to_staff, next_due_at
from mesobot.outbox.kinds import MESSAGE_FAILED, RECIPIENT_UNREACHABLE
from mesobot.outbox.leadership import Leadership, leadership_for
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.outbox.pacing import Pacer
from mesobot.outbox.policies import KindRegistry, LateAction, RenderRequest
from mesobot.outbox.queued import queued_message
from mesobot.outbox.sending import FloodWait, Rejected, Sender, TransientFailure, Unreachable
from mesobot.patients import language_of

logger = logging.getLogger(__name__)

# A chat's next message is claimed this long before its chat may be sent to again, so that it
# is rendered and waiting for its slot when the chat frees, instead of being claimed then.
_CLAIM_AHEAD = 1.5


class Dispatcher:
    """Sends due outbox messages; at most `batch_size` are in flight (claimed, not recorded).

    Keeping in-flight rows to one batch bounds the duplicates a crash can cause: only rows
    sent but not yet recorded go again.
    """

    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        sender: Sender,
        kinds: KindRegistry,
        staff_ids: Sequence[int],
        pacer: Pacer | None = None,
        leadership: Leadership | None = None,
        batch_size: int = claims.BATCH_CAP,
        lease: timedelta = timedelta(seconds=30),
        max_attempts: int = 5,
        first_backoff: timedelta = timedelta(seconds=5),
        schedule_wake: Callable[[float], None] | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.sender = sender
        self.kinds = kinds
        self.staff_ids = list(staff_ids)
        self.pacer = pacer or Pacer()
        self.leadership = leadership or leadership_for(database, on_acquired=self._take_over)
        self.batch_size = min(batch_size, claims.BATCH_CAP)
        self.lease = lease
        self.max_attempts = max_attempts
        self.first_backoff = first_backoff
        self.schedule_wake = schedule_wake
        self._in_flight: dict[int, tuple[int, asyncio.Task[None]]] = {}
        self._draining: asyncio.Task[None] | None = None
        self._again = False
        self._stopping = False
        self._sent_unrecorded: list[tuple[int, asyncio.Future[None]]] = []
        self._recording_sent: asyncio.Task[None] | None = None

    # -- waking -------------------------------------------------------------------------

    def wake(self) -> None:
        """Look for due messages soon: now, or right after the pass under way."""
        if self._stopping:
            return
        if self._draining is not None and not self._draining.done():
            self._again = True
            return
        self._draining = asyncio.get_running_loop().create_task(self._drain_safely())

    async def drain(self) -> None:
        """Send everything due now and return when nothing more can go yet."""
        self.wake()
        while self._draining is not None and not self._draining.done():
            await asyncio.shield(self._draining)

    async def stop(self) -> None:
        """Stop claiming, let the messages in flight finish, and give up the lock."""
        self._stopping = True
        if self._draining is not None:
            await asyncio.gather(self._draining, return_exceptions=True)
        await self.leadership.release()

    async def _drain_safely(self) -> None:
        # Nothing may raise out of the dispatcher: a failed pass is logged and retried by
        # the next wake-up.
        try:
            while True:
                self._again = False
                if await self.leadership.ensure():
                    await self._pump()
                if not self._again or self._stopping:
                    break
        except Exception:
            logger.exception("Outbox pass failed; retrying at the next wake-up")
        try:
            await self._plan_next_wake()
        except Exception:
            logger.exception("Could not plan the outbox's next wake-up")

    async def _plan_next_wake(self) -> None:
        if self.schedule_wake is None or self._stopping:
            return
        waits: list[float] = []
        if self.leadership_held():
            async with self.database.write() as session:
                due = await next_due_at(session=session)
            if due is not None:
                waits.append(max(0.0, (due - self.clock.now()).total_seconds()))
        free = self.pacer.seconds_until_free()
        if free is not None:
            waits.append(free)
        if waits:
            self.schedule_wake(min(waits))

    def leadership_held(self) -> bool:
        """Whether this process is the active dispatcher (as of its last check)."""
        return bool(getattr(self.leadership, "held", True))

    async def _take_over(self) -> None:
        # Only the active dispatcher sends, so rows left in sending belong to one that died.
        async with self._writing() as session:
            count = await claims.release_all_in_flight(session=session, now=self.clock.now())
        if count:
            logger.info("Took over %d outbox messages left in flight by another dispatcher", count)

    # -- the pass ------------------------------------------------------------------------

    async def _pump(self) -> None:
        async with self._writing() as session:
            expired = await claims.release_expired_leases(session=session, now=self.clock.now())
        if expired:
            logger.warning("%d outbox messages outlived their lease and are due again", expired)
        while True:
            room = self.batch_size - len(self._in_flight)
            claimed: list[OutboxMessage] = []
            if room > 0 and not self._stopping:
                busy = self.pacer.busy_chats(ahead=_CLAIM_AHEAD)
                busy |= {chat for chat, _ in self._in_flight.values()}
                async with self._writing() as session:
                    claimed = await claims.claim_due_messages(
                        session=session,
                        now=self.clock.now(),
                        lease=self.lease,
                        limit=room,
                        skip_chats=busy,
                    )
                for message in claimed:
                    assert message.id is not None
                    task = asyncio.get_running_loop().create_task(self._deliver(message))
                    self._in_flight[message.id] = (message.recipient, task)
                    task.add_done_callback(self._forget(message.id))
            if not self._in_flight:
                # Nothing claimable is left. A chat's burst keeps flowing without waiting here:
                # its next message is claimed ahead of the chat's spacing, and a chat held
                # longer (a 429) gets a timer. Waiting here would hold back the timer for a
                # message falling due meanwhile.
                if claimed:
                    continue
                return
            if not claimed or len(self._in_flight) >= self.batch_size:
                tasks = [task for _, task in self._in_flight.values()]
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)

    def _forget(self, message_id: int) -> Callable[[asyncio.Task[None]], None]:
        return lambda _task: self._in_flight.pop(message_id, None) and None

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        # write() takes SQLite's write lock up front: a read that later writes would
        # otherwise fail instead of waiting.
        async with self.database.write() as session:
            yield session

    # -- one message ---------------------------------------------------------------------

    async def _deliver(self, message: OutboxMessage) -> None:
        assert message.id is not None
        try:
            await self._deliver_or_raise(message)
        except FloodWait as flood:
            self.pacer.flood_wait(
                chat_id=None if flood.whole_bot else message.recipient,
                retry_after=flood.retry_after,
            )
            at = self.clock.now() + timedelta(seconds=flood.retry_after)
            await self._record(
                claims.schedule_retry,
                message_id=message.id,
                at=at,
                error=str(flood),
                count_attempt=False,
            )
        except Unreachable as error:
            await self._on_unreachable(message, str(error))
        except Rejected as error:
            await self._on_failed(message, f"rejected: {error}")
        except Exception as error:
            # Timeouts, 5xx, and also a renderer's bug: retried, then failed with a notice.
            reason = (
                str(error)
                if isinstance(error, TransientFailure)
                else f"{type(error).__name__}: {error}"
            )
            if not isinstance(error, TransientFailure):
                logger.exception("Outbox message %d (%s) raised", message.id, message.kind)
            if message.attempts + 1 >= self.max_attempts:
                await self._on_failed(message, reason)
            else:
                backoff = self.first_backoff * (2**message.attempts)
                await self._record(
                    claims.schedule_retry,
                    message_id=message.id,
                    at=self.clock.now() + backoff,
                    error=reason,
                )

    async def _deliver_or_raise(self, message: OutboxMessage) -> None:
        assert message.id is not None
        kind = self.kinds.get(message.kind)
        if kind is None:
            raise Rejected(f"unknown message kind {message.kind!r}")
        late_by = self.clock.now() - message.due_at
        action = kind.late_policy.decide(late_by)
        if action is LateAction.DROP:
            logger.info(
                "Dropped outbox message %d (%s) to chat %d: %s late",
                message.id,
                message.kind,
                message.recipient,
                late_by,
            )
            await self._record(
                claims.mark_finished,
                message_id=message.id,
                state=MessageState.DROPPED,
                error=f"late by {late_by}",
            )
            return
        async with self.database.read() as session:
            language = await language_of(session=session, telegram_user_id=message.recipient)
            rendered = await kind.render(
                RenderRequest(
                    session=session,
                    message=queued_message(message),
                    language=language,
                    late_by=late_by if action is LateAction.SEND_WITH_LATENESS else None,
                )
            )
        if rendered is None:
            await self._record(
                claims.mark_finished, message_id=message.id, state=MessageState.CANCELLED
            )
            return
        async with self.pacer.slot(message.recipient):
            await self.sender.send(message.recipient, rendered)
        await self._record_sent(message.id)

    async def _record_sent(self, message_id: int) -> None:
        # Sends finish about 30 a second: one transaction records all that finished while
        # the previous one ran, so that the database's commits do not set the pace. Until
        # recorded, the message still counts as in flight.
        recorded = asyncio.get_running_loop().create_future()
        self._sent_unrecorded.append((message_id, recorded))
        if self._recording_sent is None or self._recording_sent.done():
            self._recording_sent = asyncio.get_running_loop().create_task(self._record_all_sent())
        await recorded

    async def _record_all_sent(self) -> None:
        while self._sent_unrecorded:
            batch, self._sent_unrecorded = self._sent_unrecorded, []
            # A failure leaves the rows in sending: their lease brings them back (at least once).
            try:
                async with self._writing() as session:
                    await claims.mark_all_sent(
                        session=session,
                        message_ids=[message_id for message_id, _ in batch],
                        now=self.clock.now(),
                    )
            except Exception:
                logger.exception("Could not record sent outbox messages; the lease will retry")
            for _, recorded in batch:
                if not recorded.done():
                    recorded.set_result(None)

    async def _record(self, operation: Callable[..., object], **arguments: object) -> None:
        # A failure here leaves the row in sending: its lease brings it back (at least once).
        try:
            async with self._writing() as session:
                await operation(session=session, **arguments)  # type: ignore[misc]
        except Exception:
            logger.exception("Could not record an outbox outcome; the lease will retry it")

    async def _on_unreachable(self, message: OutboxMessage, reason: str) -> None:
        now = self.clock.now()
        try:
            async with self._writing() as session:
                newly = await claims.mark_unreachable(
                    session=session, chat_id=message.recipient, reason=reason, now=now
                )
                if newly:
                    await self._notify_staff(
                        session,
                        message,
                        kind=RECIPIENT_UNREACHABLE,
                        payload={
                            "chat_id": message.recipient,
                            "never_started": "initiate conversation" in reason,
                        },
                        key=f"unreachable:{message.recipient}:{now.isoformat()}",
                    )
        except Exception:
            logger.exception("Could not record chat %d as unreachable", message.recipient)
        logger.warning(
            "Chat %d is unreachable (%s); its outbox messages are paused",
            message.recipient,
            reason,
        )

    async def _on_failed(self, message: OutboxMessage, reason: str) -> None:
        assert message.id is not None
        attempts = message.attempts + 1
        # The one log line per failed row: ids, kind and error, never the payload.
        logger.error(
            "Outbox message %d (%s) to chat %d failed after %d attempts: %s",
            message.id,
            message.kind,
            message.recipient,
            attempts,
            reason,
        )
        try:
            async with self._writing() as session:
                finished = await claims.mark_finished(
                    session=session,
                    message_id=message.id,
                    state=MessageState.FAILED,
                    error=reason,
                    count_attempt=True,
                )
                if finished:
                    await self._notify_staff(
                        session,
                        message,
                        kind=MESSAGE_FAILED,
                        payload={
                            "message_id": message.id,
                            "kind": message.kind,
                            "chat_id": message.recipient,
                            "attempts": attempts,
                        },
                        key=f"failed:{message.id}",
                    )
        except Exception:
            logger.exception("Could not record outbox message %d as failed", message.id)

    async def _notify_staff(
        self,
        session: AsyncSession,
        about: OutboxMessage,
        *,
        kind: str,
        payload: dict[str, object],
        key: str,
    ) -> None:
        """Tell staff what became of a message, unless it was for staff (notices never loop)."""
        sent = self.kinds.get(about.kind)
        if sent and sent.for_staff:
            return
        now = self.clock.now()
        await enqueue_to_staff(
            session=session,
            staff_ids=self.staff_ids,
            kind=kind,
            payload=payload,
            due_at=now,
            key_prefix=f"outbox.{key}",
            now=now,
        )
