"""Cases written straight through the cases store: the 100,000 the _find scenarios search.

The API would take minutes to create them; the store functions the API's create uses
(case number, case, tags, `create_case` user action) take seconds, in transactions of
1,000 cases.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime

from opencases.cases import store, user_actions
from opencases.cases.schemas import CaseSettings
from opencases.cases.store import CaseRecord
from opencases.configure.schemas import NoneConnector, UserRef
from opencases.db import connect
from opencases.kibana.time import format_time

OWNERS = ("cases", "observability", "securitySolution")
SEVERITIES = ("low", "medium", "high", "critical")
STATUSES = ("open", "in-progress", "closed")
TAGS = tuple(f"tag-{index}" for index in range(50))
# Cases a transaction: one savepoint holds them all, and with the sub-journal in memory
# (db/sqlite.py) each statement's end walks it: 100,000 cases took 78 s to seed 1,000 a
# transaction, 41 s 100 a transaction.
BATCH = 100
_random = random.Random(20261202)
# Words of 4 to 9 letters: the vocabulary of titles and descriptions.
WORDS = tuple(
    "".join(_random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(_random.randint(4, 9)))
    for _ in range(2000)
)
# A two-word search (OR'ed, as Kibana's default operator) that matches a few percent.
SEARCH = f"{WORDS[7]} {WORDS[11]}"
REPORTER = UserRef(email=None, full_name=None, username="elastic")


def _record(rng: random.Random, *, space_id: str, index: int, created: float) -> CaseRecord:
    status = rng.choice(STATUSES)
    created_at = format_time_seconds(created)
    return CaseRecord(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        space_id=space_id,
        owner=OWNERS[index % len(OWNERS)],
        incremental_id=0,
        title=" ".join(rng.choice(WORDS) for _ in range(5)),
        description=" ".join(rng.choice(WORDS) for _ in range(30)),
        tags=rng.sample(TAGS, rng.randint(0, 3)),
        status=status,
        severity=rng.choice(SEVERITIES),
        connector=NoneConnector(id="none", name="none", fields=None),
        settings=CaseSettings(syncAlerts=False),
        assignees=[],
        category=None,
        customFields=[],
        observables=[],
        external_service=None,
        timing={},
        duration=None,
        closed_at=created_at if status == "closed" else None,
        closed_by=REPORTER if status == "closed" else None,
        created_at=created_at,
        created_by=REPORTER,
        updated_at=None,
        updated_by=None,
        total_comments=0,
        total_alerts=0,
        user_action_count=1,
        revision=1,
    )


def format_time_seconds(moment: float) -> str:
    """A Unix time in Kibana's timestamp format."""
    return format_time(datetime.fromtimestamp(moment, tz=UTC))


async def seed_cases(database_url: str, *, count: int, space_ids: tuple[str, ...]) -> float:
    """Store `count` cases spread over `space_ids` and the three owners; the seconds it took."""
    rng = random.Random(7)
    started = time.perf_counter()
    db = await connect(database_url, pool_size=1)
    try:
        # Created over the past year, oldest first, as a real history would be.
        first = time.time() - 365 * 86400
        step = 365 * 86400 / count
        for start in range(0, count, BATCH):
            async with db.transaction() as tx:
                for index in range(start, min(start + BATCH, count)):
                    space_id = space_ids[index % len(space_ids)]
                    record = _record(
                        rng, space_id=space_id, index=index, created=first + index * step
                    )
                    record.incremental_id = await store.next_incremental_id(tx, space_id=space_id)
                    await store.insert(tx, record)
                    await store.insert_user_actions(
                        tx,
                        case_id=record.id,
                        owner=record.owner,
                        first_position=1,
                        actions=[user_actions.create_case(record)],
                        ids=[str(uuid.uuid4())],
                        created_at=record.created_at,
                        created_by=REPORTER,
                    )
        # What autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) does soon after a bulk
        # load: the planner's statistics, and PostgreSQL's visibility map that index-only
        # counts need. Without them the first plans scan every case of a space.
        await db.execute("VACUUM ANALYZE" if db.dialect == "postgresql" else "ANALYZE")
    finally:
        await db.close()
    return time.perf_counter() - started


def seed(database_url: str, *, count: int, space_ids: tuple[str, ...]) -> float:
    """seed_cases, run to completion."""
    return asyncio.run(seed_cases(database_url, count=count, space_ids=space_ids))
