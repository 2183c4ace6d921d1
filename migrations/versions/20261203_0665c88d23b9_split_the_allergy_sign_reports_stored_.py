"""split the allergy sign: reports stored under it become the severe one

Revision ID: 0665c88d23b9
Revises: d857fdb8ab43
Create Date: 2026-12-03 12:14:08.208252
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0665c88d23b9'
down_revision: str | None = 'd857fdb8ab43'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The old sign mixed hives (a same-day call) with difficulty breathing (the emergency number
# now). A report stored under it cannot tell which the patient meant: it is read as the
# severe one, the safer reading, which is what staff were alerted to at the time.
OLD = 'allergy'
SEVERE = 'severe_allergy'
MILD = 'mild_allergy'

_reports = sa.table('reaction_report', sa.column('id', sa.Integer), sa.column('signs', sa.JSON))
_additions = sa.table(
    'care_report_addition', sa.column('id', sa.Integer), sa.column('repeated_sign', sa.String)
)


def _rewrite(mapping: dict[str, str]) -> None:
    connection = op.get_bind()
    for report_id, signs in connection.execute(sa.select(_reports.c.id, _reports.c.signs)):
        if not any(sign in mapping for sign in signs):
            continue
        renamed: list[str] = []
        for sign in signs:
            new = mapping.get(sign, sign)
            if new not in renamed:
                renamed.append(new)
        connection.execute(
            _reports.update().where(_reports.c.id == report_id).values(signs=renamed)
        )
    for old, new in mapping.items():
        connection.execute(
            _additions.update()
            .where(_additions.c.repeated_sign == old)
            .values(repeated_sign=new)
        )


def upgrade() -> None:
    _rewrite({OLD: SEVERE})


def downgrade() -> None:
    # The older bot knows one allergy sign only: both halves go back to it.
    _rewrite({SEVERE: OLD, MILD: OLD})
