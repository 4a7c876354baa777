"""Cases, their tags, assignees, numbers and user actions, and their full-text index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# The full-text index of title and description, which SQLAlchemy cannot describe (so it is
# not in db/tables.py). SQLite: an FTS5 table over the cases rows, kept by triggers.
# PostgreSQL: GIN indexes over the `simple` text search configuration (lower-cased words, no
# stemming: close to the standard analyzer Kibana's search runs on).
SQLITE_FULL_TEXT = [
    "CREATE VIRTUAL TABLE cases_fts USING fts5(title, description, content='cases',"
    " content_rowid='seq', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN"
    " INSERT INTO cases_fts(rowid, title, description)"
    " VALUES (new.seq, new.title, new.description); END",
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN"
    " INSERT INTO cases_fts(cases_fts, rowid, title, description)"
    " VALUES ('delete', old.seq, old.title, old.description); END",
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF title, description ON cases BEGIN"
    " INSERT INTO cases_fts(cases_fts, rowid, title, description)"
    " VALUES ('delete', old.seq, old.title, old.description);"
    " INSERT INTO cases_fts(rowid, title, description)"
    " VALUES (new.seq, new.title, new.description); END",
]
POSTGRES_FULL_TEXT = [
    "CREATE INDEX ix_cases_search ON cases USING gin"
    " ((to_tsvector('simple', title) || to_tsvector('simple', description)))",
    "CREATE INDEX ix_cases_search_title ON cases USING gin (to_tsvector('simple', title))",
    "CREATE INDEX ix_cases_search_description ON cases USING gin"
    " (to_tsvector('simple', description))",
]


def upgrade() -> None:
    """Create the cases tables and the full-text index."""
    op.create_table(
        "cases",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("space_id", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("incremental_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("connector", JSON, nullable=False),
        sa.Column("connector_id", sa.Text(), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("assignees", JSON, nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("custom_fields", JSON, nullable=False),
        sa.Column("observables", JSON, nullable=False),
        sa.Column("external_service", JSON, nullable=True),
        sa.Column("timing", JSON, nullable=False),
        sa.Column("duration", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", sa.Text(), nullable=True),
        sa.Column("closed_by", JSON, nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("reporter", sa.Text(), nullable=False),
        sa.Column("reporter_profile_uid", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.Column("updated_by", JSON, nullable=True),
        sa.Column("total_comments", sa.BigInteger(), nullable=False),
        sa.Column("total_alerts", sa.BigInteger(), nullable=False),
        sa.Column("user_action_count", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_cases_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_cases")),
        sa.UniqueConstraint("id", name=op.f("uq_cases_id")),
        sa.UniqueConstraint(
            "space_id", "incremental_id", name=op.f("uq_cases_space_id_incremental_id")
        ),
    )
    for name, columns in [
        ("ix_cases_space_id_created_at", ["space_id", "created_at"]),
        ("ix_cases_space_id_updated_at", ["space_id", "updated_at"]),
        ("ix_cases_space_id_owner_status", ["space_id", "owner", "status"]),
        ("ix_cases_space_id_severity", ["space_id", "severity"]),
        ("ix_cases_space_id_category", ["space_id", "category"]),
        ("ix_cases_space_id_reporter", ["space_id", "reporter"]),
        ("ix_cases_space_id_connector_id", ["space_id", "connector_id"]),
    ]:
        op.create_index(op.f(name), "cases", columns, unique=False)
    for table, column in [("case_tags", "tag"), ("case_assignees", "uid")]:
        op.create_table(
            table,
            sa.Column("case_id", sa.Text(), nullable=False),
            sa.Column("space_id", sa.Text(), nullable=False),
            sa.Column(column, sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["case_id"],
                ["cases.id"],
                name=op.f(f"fk_{table}_case_id_cases"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["space_id"],
                ["spaces.id"],
                name=op.f(f"fk_{table}_space_id_spaces"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("case_id", column, name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_space_id_{column}"), table, ["space_id", column])
    op.create_table(
        "case_counters",
        sa.Column("space_id", sa.Text(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_case_counters_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("space_id", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "case_user_actions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("comment_id", sa.Text(), nullable=True),
        sa.Column("comment_type", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_user_actions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_user_actions")),
        sa.UniqueConstraint(
            "case_id", "position", name=op.f("uq_case_user_actions_case_id_position")
        ),
    )
    statements = (
        SQLITE_FULL_TEXT if op.get_context().dialect.name == "sqlite" else POSTGRES_FULL_TEXT
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Drop the cases tables and their full-text index."""
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TABLE cases_fts")
    for table in ["case_user_actions", "case_counters", "case_assignees", "case_tags", "cases"]:
        op.drop_table(table)
