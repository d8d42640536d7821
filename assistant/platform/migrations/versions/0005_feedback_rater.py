"""Feedback can be changed: each row belongs to one rater (a keyed hash of the channel's user id, or
`web`), at most one row per answer and rater, so a buyer's latest rating replaces their earlier one.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("rater", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_feedback_message_rater", ["message_id", "rater"])


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("uq_feedback_message_rater", type_="unique")
        batch.drop_column("rater")
