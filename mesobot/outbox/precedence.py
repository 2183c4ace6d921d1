"""Where each outbox message stands in Telegram's budget: alerts, then replies, then bulk."""

from __future__ import annotations

from mesobot.outbox.enqueue import FIRST_IN_LINE
from mesobot.outbox.models import OutboxMessage
from mesobot.outbox.pacing import Precedence
from mesobot.outbox.replies import REPLY


def precedence_of(message: OutboxMessage) -> Precedence:
    """The one place that says how a row competes for a send slot.

    Read from what a row holds until rows carry a priority of their own: a handed-over reply
    is a reply; a message queued urgent and not tried yet (a report's first alert, which
    `enqueue` puts first in line) is an alert; everything else is bulk.
    """
    if message.kind == REPLY:
        return Precedence.REPLY
    if message.next_attempt_at == FIRST_IN_LINE:
        return Precedence.ALERT
    return Precedence.BULK
