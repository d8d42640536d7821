"""Staff sign-in with an OpenID Connect provider, and who did each staff action.

staff_users: accounts from the provider (issuer + subject, their name, last sign-in; no password);
staff_sessions: the ID token, for signing out at the provider too; staff_sign_ins: started sign-ins (state,
nonce, PKCE verifier), one use each; staff_actions: every staff action with its author's subject and name;
verified_answers: the author's subject, and room for a full name.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.alter_column("password_hash", existing_type=sa.String(128), nullable=True)
        batch.add_column(sa.Column("issuer", sa.String(255), nullable=True))
        batch.add_column(sa.Column("subject", sa.String(255), nullable=True))
        batch.add_column(sa.Column("display_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("last_sign_in", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_staff_users_issuer_subject", ["issuer", "subject"])
    with op.batch_alter_table("staff_sessions") as batch:
        batch.add_column(sa.Column("id_token", sa.Text(), nullable=True))
    with op.batch_alter_table("verified_answers") as batch:
        batch.alter_column("author", existing_type=sa.String(64), type_=sa.String(200))
        batch.add_column(sa.Column("author_subject", sa.String(255), nullable=True))
    op.create_table(
        "staff_sign_ins",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("next_path", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "staff_actions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("actor_subject", sa.String(255), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("actor_issuer", sa.String(255), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column(
            "message_id", sa.String(64), sa.ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("target", sa.String(255), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_staff_actions_message_id", "staff_actions", ["message_id"])
    op.create_index("ix_staff_actions_created_at", "staff_actions", ["created_at"])


def downgrade() -> None:
    op.drop_table("staff_actions")
    op.drop_table("staff_sign_ins")
    with op.batch_alter_table("verified_answers") as batch:
        batch.drop_column("author_subject")
        batch.alter_column("author", existing_type=sa.String(200), type_=sa.String(64))
    with op.batch_alter_table("staff_sessions") as batch:
        batch.drop_column("id_token")
    op.execute("DELETE FROM staff_users WHERE password_hash IS NULL")  # provider accounts have no password
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint("uq_staff_users_issuer_subject", type_="unique")
        for column in ("last_sign_in", "display_name", "subject", "issuer"):
            batch.drop_column(column)
        batch.alter_column("password_hash", existing_type=sa.String(128), nullable=False)
