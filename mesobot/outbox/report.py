"""`python -m mesobot.outbox.report`: the outbox at a glance, for whoever runs the clinic's bot."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.config import ConfigurationError, DatabaseSettings, read_settings
from mesobot.db import Database, describe_url
from mesobot.outbox.models import MessageState, OutboxMessage, OutboxRecipient


@dataclass(frozen=True)
class OutboxReport:
    """Counts per state, the next due time, and the chats that refuse the bot."""

    counts: dict[str, int]
    next_due_at: datetime | None
    unreachable: list[tuple[int, datetime, str]]


async def build_report(*, session: AsyncSession) -> OutboxReport:
    """Read the figures the report prints."""
    rows = await session.exec(
        select(OutboxMessage.state, func.count()).group_by(col(OutboxMessage.state))
    )
    counts = {state.value: 0 for state in MessageState}
    counts.update(dict(rows.all()))
    next_due = (
        await session.exec(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                col(OutboxMessage.state) == MessageState.DUE
            )
        )
    ).one()
    recipients = await session.exec(
        select(OutboxRecipient)
        .where(col(OutboxRecipient.unreachable_since).is_not(None))
        .order_by(col(OutboxRecipient.unreachable_since))
    )
    unreachable = [
        (r.chat_id, r.unreachable_since, r.unreachable_reason or "")
        for r in recipients.all()
        if r.unreachable_since is not None
    ]
    return OutboxReport(counts, next_due, unreachable)


def format_report(report: OutboxReport) -> str:
    """The report as plain text."""
    lines = ["state      messages"]
    lines += [f"{state:<10} {count:>8}" for state, count in report.counts.items()]
    lines.append(
        f"next due   {report.next_due_at.isoformat() if report.next_due_at else 'nothing due'}"
    )
    lines.append(f"unreachable recipients: {len(report.unreachable)}")
    lines += [
        f"  chat {chat_id} since {since.isoformat()}: {reason}"
        for chat_id, since, reason in report.unreachable
    ]
    return "\n".join(lines)


async def _print_report(url: str) -> None:
    database = Database(url)
    try:
        async with database.write() as session:
            report = await build_report(session=session)
    finally:
        await database.dispose()
    print(f"outbox of {describe_url(url)}")  # noqa: T201
    print(format_report(report))  # noqa: T201


def main() -> int:
    """Print the report for the configured database."""
    try:
        settings = read_settings(DatabaseSettings)
    except ConfigurationError as error:
        print(f"mesobot: {error}", file=sys.stderr)  # noqa: T201
        return 2
    asyncio.run(_print_report(settings.database_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
