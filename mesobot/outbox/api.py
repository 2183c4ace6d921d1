"""The outbox's interface for every other package: nothing outside `mesobot/outbox/` touches
its rows.

Queue messages in the cause's transaction (`enqueue`, `enqueue_to_staff`), each in a
`Priority` lane; read what a cause has queued as read-only values (`pending_for_cause`,
`messages_for_cause`); cancel, move or rewrite what is not sent yet (`cancel`, `reschedule`,
`replace_payload`), or keep it unsent until the caller's transaction ends (`hold_pending`);
at start, cancel what staff messages former staff still have queued (`cancel_for_former_staff`);
erase a patient's chat and what was queued about them (`forget_chat`, `forget_causes`).
"""

from mesobot.outbox.enqueue import (
    cancel,
    enqueue,
    enqueue_to_staff,
    hold_pending,
    on_outbox_commit,
    replace_payload,
    reschedule,
)
from mesobot.outbox.forgetting import forget_causes, forget_chat
from mesobot.outbox.models import MessageState, Priority
from mesobot.outbox.queued import QueuedMessage, messages_for_cause, pending_for_cause
from mesobot.outbox.revocation import cancel_for_former_staff

__all__ = [
    "MessageState",
    "Priority",
    "QueuedMessage",
    "cancel",
    "cancel_for_former_staff",
    "enqueue",
    "enqueue_to_staff",
    "forget_causes",
    "forget_chat",
    "hold_pending",
    "messages_for_cause",
    "on_outbox_commit",
    "pending_for_cause",
    "replace_payload",
    "reschedule",
]
