"""Where each outbox message stands in Telegram's budget: alerts, then replies, then bulk."""

from __future__ import annotations

from mesobot.outbox.models import OutboxMessage, Priority
from mesobot.outbox.pacing import Precedence


def precedence_of(message: OutboxMessage) -> Precedence:
    """The one place that says how a row competes for a send slot.

    Read from the row's lane: a reply (a queued or handed-over call) is a reply; an alert of
    high or emergency severity is an alert; everything else (lesser alerts included) is bulk.
    """
    if message.priority == Priority.REPLY:
        return Precedence.REPLY
    if message.priority <= Priority.ALERT_HIGH:
        return Precedence.ALERT
    return Precedence.BULK
