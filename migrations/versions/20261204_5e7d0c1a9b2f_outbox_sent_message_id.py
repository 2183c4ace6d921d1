"""outbox_message.sent_message_id: Telegram's id of a sent queued call (webhook prompts)

Revision ID: 5e7d0c1a9b2f
Revises: 477498c8b1a0
Create Date: 2026-12-04 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "5e7d0c1a9b2f"
down_revision: str | None = "477498c8b1a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_message_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            "ix_outbox_message_recipient_sent_message_id",
            ["recipient", "sent_message_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_recipient_sent_message_id")
        batch_op.drop_column("sent_message_id")
