"""Sources that stay current: registered sources, the fetch state of each web page, staff overrides of
documents (valid_to, withheld), page changes awaiting an adviser («kilde endret»), and named leases (one
source refresher at a time). See assistant/search/source_state.py.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

URL = 2000


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("key", sa.String(URL), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("kind", sa.String(40), nullable=False, server_default="document"),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("include", sa.JSON(), nullable=False),
        sa.Column("exclude", sa.JSON(), nullable=False),
        sa.Column("refresh_seconds", sa.Integer(), nullable=False, server_default="86400"),
        sa.Column("max_pages", sa.Integer(), nullable=False, server_default="200"),
        sa.Column("max_depth", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("origin", sa.String(16), nullable=False, server_default="file"),
        sa.Column("added_by", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("requests", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("not_modified", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("bytes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("seconds", sa.Float(), nullable=False, server_default="0"),
        sa.Column("refresh_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "source_pages",
        sa.Column("url", sa.String(URL), primary_key=True),
        sa.Column("source_key", sa.String(URL), nullable=False, index=True),
        sa.Column("final_url", sa.String(URL), nullable=False, server_default=""),
        sa.Column("canonical", sa.String(URL), nullable=True),
        sa.Column("title", sa.String(500), nullable=False, server_default=""),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("outcome", sa.String(16), nullable=False, server_default=""),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("media", sa.String(8), nullable=True),
        sa.Column("bytes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gone_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "document_overrides",
        sa.Column("key", sa.String(URL), primary_key=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("withheld", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("set_by", sa.String(64), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "source_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(URL), nullable=False, index=True),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False, server_default=""),
        sa.Column("verified_answer_id", sa.Integer(), nullable=True, index=True),
        sa.Column("message_id", sa.String(64), nullable=True, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("leases", "source_changes", "document_overrides", "source_pages", "sources"):
        op.drop_table(table)
