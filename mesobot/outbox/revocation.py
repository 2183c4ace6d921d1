"""Staff messages to someone who is no longer staff are never sent.

Who is staff comes from MESOBOT_STAFF_IDS, read at start. Messages for staff (kinds
registered `for_staff`) queued to anyone else, paused ones included, are cancelled at start,
so a former staff member's /start or unblock has nothing of theirs to resume; the dispatcher
checks again before each send, for what a process still running with the old list queues.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.outbox.queued import PENDING_STATES

REVOKED = "recipient is no longer staff"


def no_longer_staff(recipient: int, staff_ids: Collection[int]) -> bool:
    """Whether a staff message to `recipient` must not go: a private chat (a positive id) of
    someone not in `staff_ids`. Groups (negative ids) are not for this check to refuse: the
    staff group's notices carry no health data, and the bot leaves every other group."""
    return recipient > 0 and recipient not in staff_ids


async def cancel_for_former_staff(
    *,
    session: AsyncSession,
    staff_kinds: Collection[str],
    staff_ids: Collection[int],
    staff_chat_id: int | None,
) -> int:
    """Cancel the unsent messages of `staff_kinds` (due or paused) to anyone but `staff_ids`
    and the staff group; returns how many were cancelled."""
    if not staff_kinds:
        return 0
    allowed = sorted({*staff_ids, *([staff_chat_id] if staff_chat_id is not None else [])})
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.state).in_(sorted(PENDING_STATES)),
            col(OutboxMessage.kind).in_(sorted(staff_kinds)),
            col(OutboxMessage.recipient).not_in(allowed),
        )
        .values(state=MessageState.CANCELLED, lease_until=None, last_error=REVOKED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)
