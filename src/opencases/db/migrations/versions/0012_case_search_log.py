"""SQLite: the cases' full-text index brought up to date once per commit, not per request.

FTS5 writes a new segment of its index whenever a savepoint begins, and every request of
a group commit runs in a savepoint of its own: so each case created or retitled cost a
segment and the merges that follow. The triggers now write what changed to a log, which
the committing connection applies in one statement before COMMIT (`db/sqlite.py`), in the
same transaction: readers never see the cases and their index disagree.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_DROP_TRIGGERS = [
    "DROP TRIGGER cases_fts_insert",
    "DROP TRIGGER cases_fts_delete",
    "DROP TRIGGER cases_fts_update",
]
# `op` is FTS5's hidden column of the table's name: NULL inserts, 'delete' removes the
# words a row had (an external-content table must be told them).
_LOGGING_TRIGGERS = [
    "CREATE TABLE cases_fts_log (id INTEGER PRIMARY KEY, op TEXT, doc INTEGER NOT NULL,"
    " title TEXT NOT NULL, description TEXT NOT NULL)",
    "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN"
    " INSERT INTO cases_fts_log (op, doc, title, description)"
    " VALUES (NULL, new.seq, new.title, new.description); END",
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN"
    " INSERT INTO cases_fts_log (op, doc, title, description)"
    " VALUES ('delete', old.seq, old.title, old.description); END",
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF title, description ON cases BEGIN"
    " INSERT INTO cases_fts_log (op, doc, title, description)"
    " VALUES ('delete', old.seq, old.title, old.description),"
    " (NULL, new.seq, new.title, new.description); END",
]
_DIRECT_TRIGGERS = [
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
# What db/sqlite.py runs before each COMMIT (kept here too: a migration is a record).
APPLY_LOG = [
    "INSERT INTO cases_fts(cases_fts, rowid, title, description)"
    " SELECT op, doc, title, description FROM cases_fts_log ORDER BY id",
    "DELETE FROM cases_fts_log",
]


def upgrade() -> None:
    """SQLite: the triggers log the changes; PostgreSQL's GIN indexes need nothing."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in [*_DROP_TRIGGERS, *_LOGGING_TRIGGERS]:
        op.execute(statement)


def downgrade() -> None:
    """SQLite: apply what is logged, then index each change as it happens again."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in [*APPLY_LOG, *_DROP_TRIGGERS, "DROP TABLE cases_fts_log", *_DIRECT_TRIGGERS]:
        op.execute(statement)
