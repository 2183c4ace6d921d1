"""The process's Prometheus metrics (`GET /metrics`): what it counts, and the gauges it reads
from the database when scraped. No Telegram."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func
from sqlmodel import col, select

from mesobot.care.models import ReactionReport, ReportState
from mesobot.db import Database
from mesobot.inbox.store import unhandled_count
from mesobot.outbox.models import MessageState, OutboxMessage

# One registry per process: each receiver and the dispatcher is scraped on its own.
REGISTRY = CollectorRegistry()

UPDATES_HANDLED = Counter(
    "mesobot_updates_handled", "Updates handled, by kind", ["kind"], registry=REGISTRY
)
HANDLER_SECONDS = Histogram(
    "mesobot_handler_seconds",
    "Time to handle one update",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
SEND_LATENESS = Histogram(
    "mesobot_send_lateness_seconds",
    "How long after its due time an outbox message was sent",
    ["kind"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
    registry=REGISTRY,
)
TELEGRAM_ERRORS = Counter(
    "mesobot_telegram_errors",
    "Bot API calls that failed: 429 (flood waits), 403, 400, network, other",
    ["error"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "mesobot_outbox_messages",
    "Outbox messages waiting, by state and kind",
    ["state", "kind"],
    registry=REGISTRY,
)
OPEN_REPORTS = Gauge("mesobot_open_reports", "Reaction reports not closed", registry=REGISTRY)
UNACKNOWLEDGED_ALERTS = Gauge(
    "mesobot_unacknowledged_alerts",
    "Reaction reports no staff member has acknowledged yet",
    registry=REGISTRY,
)
INBOX_WAITING = Gauge(
    "mesobot_inbox_waiting", "Webhook updates stored and not yet handled", registry=REGISTRY
)
LEADER = Gauge(
    "mesobot_dispatcher_leader", "1 while this process is the outbox dispatcher", registry=REGISTRY
)

# Finished states are not a depth: they only grow until retention deletes them.
_WAITING_STATES = (MessageState.DUE, MessageState.SENDING, MessageState.PAUSED)


async def refresh_from_database(database: Database) -> None:
    """Read the gauges that live in the database: a few counts, one read transaction."""
    async with database.read() as session:
        depth = (
            await session.exec(
                select(OutboxMessage.state, OutboxMessage.kind, func.count())
                .where(col(OutboxMessage.state).in_(_WAITING_STATES))
                .group_by(col(OutboxMessage.state), col(OutboxMessage.kind))
            )
        ).all()
        states = (
            await session.exec(
                select(ReactionReport.state, func.count()).group_by(col(ReactionReport.state))
            )
        ).all()
        waiting = await unhandled_count(session=session)
    OUTBOX_DEPTH.clear()
    for state, kind, count in depth:
        OUTBOX_DEPTH.labels(state=state, kind=kind).set(count)
    by_state = {str(state): int(count) for state, count in states}
    OPEN_REPORTS.set(sum(n for s, n in by_state.items() if s != ReportState.CLOSED))
    UNACKNOWLEDGED_ALERTS.set(by_state.get(ReportState.OPEN, 0))
    INBOX_WAITING.set(waiting)


def count_telegram_error(error: BaseException) -> None:
    """Count a failed Bot API call by what Telegram (or the network) said."""
    name = type(error).__name__
    label = {"RetryAfter": "429", "Forbidden": "403", "BadRequest": "400"}.get(name)
    if label is None:
        label = "network" if name in {"NetworkError", "TimedOut"} else "other"
    TELEGRAM_ERRORS.labels(error=label).inc()


def observe_lateness(kind: str, late_by: timedelta) -> None:
    """An outbox message of `kind` was sent `late_by` after its due time."""
    SEND_LATENESS.labels(kind=kind).observe(max(0.0, late_by.total_seconds()))
