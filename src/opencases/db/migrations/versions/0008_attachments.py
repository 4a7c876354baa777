"""Case attachments (comments, alerts, files with their bytes).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _foreign_key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Create the attachment tables."""
    op.create_table(
        "case_comments",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("space_id", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("type_id", sa.Text(), nullable=True),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("alert_count", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("pushed_at", sa.Text(), nullable=True),
        sa.Column("pushed_by", JSON, nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.Column("updated_by", JSON, nullable=True),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        _foreign_key("case_comments", "case_id", "cases"),
        _foreign_key("case_comments", "space_id", "spaces"),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_case_comments")),
        sa.UniqueConstraint("id", name=op.f("uq_case_comments_id")),
    )
    op.create_index(
        op.f("ix_case_comments_case_id_created_at"), "case_comments", ["case_id", "created_at"]
    )
    op.create_table(
        "case_alerts",
        sa.Column("comment_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("space_id", sa.Text(), nullable=False),
        sa.Column("alert_id", sa.Text(), nullable=False),
        sa.Column("alert_index", sa.Text(), nullable=False),
        _foreign_key("case_alerts", "comment_id", "case_comments"),
        _foreign_key("case_alerts", "case_id", "cases"),
        _foreign_key("case_alerts", "space_id", "spaces"),
        sa.PrimaryKeyConstraint("comment_id", "position", name=op.f("pk_case_alerts")),
    )
    op.create_index(
        op.f("ix_case_alerts_space_id_alert_id"), "case_alerts", ["space_id", "alert_id"]
    )
    op.create_index(op.f("ix_case_alerts_case_id"), "case_alerts", ["case_id"])
    op.create_table(
        "case_files",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("space_id", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("extension", sa.Text(), nullable=False),
        sa.Column("mime_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("hashes", JSON, nullable=False),
        sa.Column("created", sa.Text(), nullable=False),
        sa.Column("updated", sa.Text(), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        _foreign_key("case_files", "case_id", "cases"),
        _foreign_key("case_files", "space_id", "spaces"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_files")),
    )
    op.create_index(op.f("ix_case_files_case_id"), "case_files", ["case_id"])
    op.create_table(
        "case_file_chunks",
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _foreign_key("case_file_chunks", "file_id", "case_files"),
        sa.PrimaryKeyConstraint("file_id", "position", name=op.f("pk_case_file_chunks")),
    )


def downgrade() -> None:
    """Drop the attachment tables."""
    for table in ["case_file_chunks", "case_files", "case_alerts", "case_comments"]:
        op.drop_table(table)
