"""SQLite: the full-text index of cases written once per commit, from a queue.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# FTS5 writes what it holds in memory to a new segment whenever a savepoint begins, and
# every request of a group commit runs in a savepoint: written by the triggers of 0007, each
# case became a segment of its own, merged again and again (a create's full-text cost went
# from 17 to 53 µs). The triggers now queue the index's changes in a plain table, and the
# commit applies the queue (db/sqlite.py, _APPLY_FULL_TEXT_QUEUE), after the last savepoint.
# `command` is what FTS5 takes in its table-named column: NULL to index a row, 'delete'
# (with the values it was indexed with) to remove it.
UPGRADE = [
    "CREATE TABLE cases_fts_queue (id INTEGER PRIMARY KEY, command TEXT,"
    " seq INTEGER NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL)",
    "DROP TRIGGER cases_fts_insert",
    "DROP TRIGGER cases_fts_delete",
    "DROP TRIGGER cases_fts_update",
    "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN"
    " INSERT INTO cases_fts_queue (command, seq, title, description)"
    " VALUES (NULL, new.seq, new.title, new.description); END",
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN"
    " INSERT INTO cases_fts_queue (command, seq, title, description)"
    " VALUES ('delete', old.seq, old.title, old.description); END",
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF title, description ON cases BEGIN"
    " INSERT INTO cases_fts_queue (command, seq, title, description)"
    " VALUES ('delete', old.seq, old.title, old.description),"
    " (NULL, new.seq, new.title, new.description); END",
]
# What the commit runs; also the downgrade's first step, so that nothing queued is lost.
APPLY_QUEUE = [
    "INSERT INTO cases_fts (cases_fts, rowid, title, description)"
    " SELECT command, seq, title, description FROM cases_fts_queue ORDER BY id",
    "DELETE FROM cases_fts_queue",
]
DOWNGRADE = [
    *APPLY_QUEUE,
    "DROP TRIGGER cases_fts_insert",
    "DROP TRIGGER cases_fts_delete",
    "DROP TRIGGER cases_fts_update",
    "DROP TABLE cases_fts_queue",
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


def upgrade() -> None:
    """Queue the full-text index's changes (SQLite; PostgreSQL's GIN indexes stay)."""
    if op.get_context().dialect.name == "sqlite":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    """The triggers of 0007, which write the index at once."""
    if op.get_context().dialect.name == "sqlite":
        for statement in DOWNGRADE:
            op.execute(statement)
