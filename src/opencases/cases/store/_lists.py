"""SQL for lists of cases: pages, counts, tags, categories, reporters, and metrics."""

from __future__ import annotations

from collections.abc import Sequence

from opencases.cases.search import Query
from opencases.cases.store._cases import CaseRecord, case_record, columns, decode_user
from opencases.configure.schemas import UserRef
from opencases.db import Executor, in_list


def _keyword_order(dialect: str, column: str) -> str:
    """ORDER BY a text column as Elasticsearch sorts keywords: by bytes, whatever the locale."""
    return f'{column} COLLATE "C"' if dialect == "postgresql" else column


async def count_by_status(db: Executor, *, where: Query) -> dict[str, int]:
    """How many cases match `where` (over the cases table `c`), by status."""
    rows = await db.fetch_all(
        f"SELECT c.status AS status, count(*) AS total FROM cases c WHERE {where.where()}"
        " GROUP BY c.status",
        where.params,
    )
    return {row["status"]: int(row["total"]) for row in rows}


async def count(db: Executor, *, where: Query) -> int:
    """How many cases match `where` (over the cases table `c`)."""
    row = await db.fetch_one(
        f"SELECT count(*) AS total FROM cases c WHERE {where.where()}", where.params
    )
    return 0 if row is None else int(row["total"])


async def find_page(
    db: Executor, *, where: Query, order: str, limit: int, offset: int
) -> list[CaseRecord]:
    """The cases matching `where`, sorted by `order`, one page."""
    rows = await db.fetch_all(
        f"SELECT {columns('c')} FROM cases c WHERE {where.where()} ORDER BY {order}"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        where.params,
    )
    return [case_record(row) for row in rows]


async def tags(db: Executor, *, dialect: str, space_id: str, owners: Sequence[str]) -> list[str]:
    """The distinct tags of the space's cases of `owners`, sorted."""
    if not owners:
        return []
    placeholders, params = in_list("owner", owners)
    rows = await db.fetch_all(
        "SELECT tag FROM case_tags WHERE space_id = :space_id"
        f" AND owner IN ({placeholders}) GROUP BY tag ORDER BY {_keyword_order(dialect, 'tag')}",
        {**params, "space_id": space_id},
    )
    return [row["tag"] for row in rows]


async def categories(
    db: Executor, *, dialect: str, space_id: str, owners: Sequence[str]
) -> list[str]:
    """The distinct categories of the space's cases of `owners`, sorted."""
    if not owners:
        return []
    placeholders, params = in_list("owner", owners)
    rows = await db.fetch_all(
        "SELECT category FROM cases WHERE space_id = :space_id"
        f" AND category IS NOT NULL AND owner IN ({placeholders})"
        f" GROUP BY category ORDER BY {_keyword_order(dialect, 'category')}",
        {**params, "space_id": space_id},
    )
    return [row["category"] for row in rows]


async def reporters(
    db: Executor, *, dialect: str, space_id: str, owners: Sequence[str]
) -> list[UserRef]:
    """Who created the space's cases of `owners`, by username, as their latest case says."""
    if not owners:
        return []
    placeholders, params = in_list("owner", owners)
    # Kibana: a terms aggregation on the username, each bucket's newest case (top_hits).
    # Each reporter's newest time comes from the (space, owner, reporter, created_at) index
    # alone; only the cases of that time are read, the last written winning a tie.
    rows = await db.fetch_all(
        "SELECT created_by FROM (SELECT c.created_by, c.reporter, ROW_NUMBER() OVER"
        " (PARTITION BY c.reporter ORDER BY c.seq DESC) AS rank FROM cases c JOIN"
        " (SELECT reporter, max(created_at) AS created_at FROM cases"
        f" WHERE space_id = :space_id AND owner IN ({placeholders}) GROUP BY reporter) newest"
        " ON c.space_id = :space_id AND c.reporter = newest.reporter"
        f" AND c.created_at = newest.created_at WHERE c.owner IN ({placeholders})) latest"
        f" WHERE rank = 1 ORDER BY {_keyword_order(dialect, 'reporter')}",
        {**params, "space_id": space_id},
    )
    return [decode_user(row["created_by"]) for row in rows]


async def status_metrics(db: Executor, *, where: Query) -> dict[str, tuple[int, int, int]]:
    """By status, of the cases matching `where` (table `c`): count, duration sum, durations."""
    rows = await db.fetch_all(
        "SELECT c.status AS status, count(*) AS total, sum(c.duration) AS duration_sum,"
        f" count(c.duration) AS durations FROM cases c WHERE {where.where()} GROUP BY c.status",
        where.params,
    )
    return {
        row["status"]: (int(row["total"]), int(row["duration_sum"] or 0), int(row["durations"]))
        for row in rows
    }


async def host_actions(db: Executor, *, case_id: str) -> dict[str, int]:
    """How many endpoint response actions of each type (isolate, ...) a case's comments record."""
    kind = (
        "attributes->'actions'->>'type'"
        if db.dialect == "postgresql"
        else "json_extract(attributes, '$.actions.type')"
    )
    rows = await db.fetch_all(
        f"SELECT {kind} AS kind, count(*) AS total FROM case_comments"
        " WHERE case_id = :case_id AND type = 'actions' GROUP BY kind",
        {"case_id": case_id},
    )
    return {row["kind"]: int(row["total"]) for row in rows}
