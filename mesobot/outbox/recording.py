"""Recording delivered messages as sent, many to a transaction."""

from __future__ import annotations

import asyncio
import logging

from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.outbox import claims

logger = logging.getLogger(__name__)


class SentRecorder:
    """Marks delivered messages sent: one transaction records every message delivered while
    the previous one ran.

    Sends finish about 30 a second, so that the database's commits do not set the pace.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        # (outbox row, Telegram's id of the message it posted, if kept, its waiter)
        self._unrecorded: list[tuple[int, int | None, asyncio.Future[None]]] = []
        self._recording: asyncio.Task[None] | None = None

    async def record(self, message_id: int, sent_message_id: int | None = None) -> None:
        """Return once `message_id` is recorded; until then it still counts as in flight."""
        recorded = asyncio.get_running_loop().create_future()
        self._unrecorded.append((message_id, sent_message_id, recorded))
        if self._recording is None or self._recording.done():
            self._recording = asyncio.get_running_loop().create_task(self._record_all())
        await recorded

    async def _record_all(self) -> None:
        while self._unrecorded:
            batch, self._unrecorded = self._unrecorded, []
            # A failure leaves the rows in sending: their lease brings them back (at least once).
            try:
                async with self.database.write() as session:
                    await claims.mark_all_sent(
                        session=session,
                        message_ids=[message_id for message_id, _, _ in batch],
                        now=self.clock.now(),
                        sent_message_ids={
                            message_id: sent for message_id, sent, _ in batch if sent is not None
                        },
                    )
            except Exception:
                logger.exception("Could not record sent outbox messages; the lease will retry")
            for _, _, recorded in batch:
                if not recorded.done():
                    recorded.set_result(None)
