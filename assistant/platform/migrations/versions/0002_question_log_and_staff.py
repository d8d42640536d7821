"""Question log columns on messages (channel, region, hashed user, review status); staff users, sessions
and verified answers.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("channel", sa.String(32), nullable=False, server_default="api"))
        batch.add_column(sa.Column("region", sa.String(64), nullable=True))
        batch.add_column(sa.Column("user_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("review_status", sa.String(16), nullable=False, server_default="open"))
        batch.add_column(sa.Column("verified_answer_id", sa.Integer(), nullable=True))
        batch.create_index("ix_messages_channel", ["channel"])
        batch.create_index("ix_messages_region", ["region"])
    # Messages logged before this revision take channel and region from their conversation.
    op.execute(
        "UPDATE messages SET channel = (SELECT c.channel FROM conversations c "
        "WHERE c.id = messages.conversation_id), region = (SELECT c.region FROM conversations c "
        "WHERE c.id = messages.conversation_id)"
    )
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    op.create_table(
        "verified_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "message_id", sa.String(64), sa.ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified", sa.String(32), nullable=True),
    )
    op.create_index("ix_verified_answers_message_id", "verified_answers", ["message_id"])


def downgrade() -> None:
    op.drop_table("verified_answers")
    op.drop_table("staff_sessions")
    op.drop_table("staff_users")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_region")
        batch.drop_index("ix_messages_channel")
        for column in ("verified_answer_id", "review_status", "user_hash", "region", "channel"):
            batch.drop_column(column)
