"""The dispatcher: claims due messages, sends them and records what happened.

It knows nothing of Telegram or of the job queue: the edge gives it a `Sender` and a way to
be woken later, and wakes it when time moves, a message is queued, or a timer fires. Pacing
is the sender's (one budget with the bot's direct replies); the dispatcher reads the same
`Pacer` to claim only messages whose chats may be sent to soon.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.metrics import observe_lateness
from mesobot.outbox import claims
from mesobot.outbox.enqueue import enqueue_to_staff, next_due_at
from mesobot.outbox.kinds import MESSAGE_FAILED, RECIPIENT_UNREACHABLE
from mesobot.outbox.leadership import Leadership, leadership_for
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.outbox.pacing import Pacer
from mesobot.outbox.policies import KindRegistry, LateAction, RenderRequest
from mesobot.outbox.precedence import precedence_of
from mesobot.outbox.queued import queued_message
from mesobot.outbox.recording import SentRecorder
from mesobot.outbox.revocation import REVOKED, no_longer_staff
from mesobot.outbox.sending import FloodWait, Rejected, Sender, TransientFailure, Unreachable
from mesobot.patients import language_of

logger = logging.getLogger(__name__)

# Claim a chat's next message this long before the chat frees: it waits rendered for its slot.
_CLAIM_AHEAD = 1.5


class Dispatcher:
    """Sends due outbox messages; at most `batch_size` are in flight (claimed, not recorded).

    Keeping in-flight rows to one batch bounds the duplicates a crash can cause: only rows
    sent but not yet recorded go again. `pacer` must be the one the sender paces with.
    """

    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        sender: Sender,
        kinds: KindRegistry,
        staff_ids: Sequence[int],
        languages: Sequence[str],
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
        self.languages = tuple(languages)  # the clinic's: a recipient gets one of them
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
        self._sent = SentRecorder(database, clock)

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
        last_look: claims.OutboxLook | None = None
        try:
            while True:
                self._again = False
                last_look = None
                if await self.leadership.ensure():
                    last_look = await self._pump()
                if not self._again or self._stopping:
                    break
        except Exception:
            logger.exception("Outbox pass failed; retrying at the next wake-up")
        try:
            await self._plan_next_wake(last_look)
        except Exception:
            logger.exception("Could not plan the outbox's next wake-up")

    async def _plan_next_wake(self, last_look: claims.OutboxLook | None) -> None:
        # `last_look` is the pass's final look when nothing was written after it: its
        # next due time is still current, and an idle pass stays one statement.
        if self.schedule_wake is None or self._stopping:
            return
        waits: list[float] = []
        if self.leadership_held():
            if last_look is not None:
                due = last_look.next_due_at
            else:
                async with self.database.read() as session:
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
        async with self.database.write() as session:
            count = await claims.release_all_in_flight(session=session, now=self.clock.now())
        if count:
            logger.info("Took over %d outbox messages left in flight by another dispatcher", count)

    # -- the pass ------------------------------------------------------------------------

    async def _pump(self) -> claims.OutboxLook | None:
        """Claim and start sending until nothing more can go; the last look, if it ended it."""
        while True:
            room = self.batch_size - len(self._in_flight)
            claimed: list[OutboxMessage] = []
            quiet: claims.OutboxLook | None = None
            if room > 0 and not self._stopping:
                claimed, quiet = await self._claim_if_any(room)
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
                return quiet
            if not claimed or len(self._in_flight) >= self.batch_size:
                tasks = [task for _, task in self._in_flight.values()]
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)

    async def _claim_if_any(
        self, room: int
    ) -> tuple[list[OutboxMessage], claims.OutboxLook | None]:
        """Up to `room` claimed rows; or none, and the look that found nothing to do.

        A read-only look comes first, and the write only when it found a row to claim or a
        lease to release: most rounds of an idle bot find neither, and on SQLite an empty
        write transaction would still make every patient's tap wait for it.
        """
        busy = self.pacer.busy_chats(ahead=_CLAIM_AHEAD)
        busy |= {chat for chat, _ in self._in_flight.values()}
        now = self.clock.now()
        async with self.database.read() as session:
            found = await claims.look(session=session, now=now, skip_chats=busy)
        if not (found.claimable or found.expired_leases):
            return [], found
        expired = 0
        async with self.database.write() as session:
            if found.expired_leases:
                expired = await claims.release_expired_leases(session=session, now=now)
            claimed = await claims.claim_due_messages(
                session=session, now=now, lease=self.lease, limit=room, skip_chats=busy
            )
        if expired:
            logger.warning("%d outbox messages outlived their lease and are due again", expired)
        return claimed, None

    def _forget(self, message_id: int) -> Callable[[asyncio.Task[None]], None]:
        return lambda _task: self._in_flight.pop(message_id, None) and None

    # -- one message ---------------------------------------------------------------------

    async def _deliver(self, message: OutboxMessage) -> None:
        assert message.id is not None
        try:
            await self._deliver_or_raise(message)
        except FloodWait as flood:
            # The sender's budget holds the chat meanwhile; the row waits in the table.
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
        if kind.for_staff and no_longer_staff(message.recipient, self.staff_ids):
            # Queued before they left MESOBOT_STAFF_IDS, or by a process with the old list.
            await self._record(
                claims.mark_finished,
                message_id=message.id,
                state=MessageState.CANCELLED,
                error=REVOKED,
            )
            return
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
            language = await language_of(
                session=session, telegram_user_id=message.recipient, declared=self.languages
            )
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
        posted = await self.sender.send(message.recipient, rendered, precedence_of(message))
        observe_lateness(message.kind, self.clock.now() - message.due_at)
        await self._sent.record(message.id, posted)

    async def _record(self, operation: Callable[..., object], **arguments: object) -> None:
        # A failure here leaves the row in sending: its lease brings it back (at least once).
        try:
            async with self.database.write() as session:
                await operation(session=session, **arguments)  # type: ignore[misc]
        except Exception:
            logger.exception("Could not record an outbox outcome; the lease will retry it")

    async def _on_unreachable(self, message: OutboxMessage, reason: str) -> None:
        now = self.clock.now()
        try:
            async with self.database.write() as session:
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
            async with self.database.write() as session:
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
