"""What a status change sets: closed_at/by, duration, in_progress_at and the time_to_* figures.

Kibana's getClosedInfoForUpdate, getDurationForUpdate, getInProgressInfoForUpdate and
getTimingMetricsForUpdate (x-pack/platform/plugins/shared/cases/server/client/cases/utils.ts):
every figure is whole seconds, rounded down.
"""

from __future__ import annotations

from datetime import timedelta

from opencases.cases.store import CaseRecord
from opencases.configure.schemas import UserRef
from opencases.kibana.time import parse_time


def _seconds(start: str, end: str) -> int | None:
    """Whole seconds from `start` to `end`, rounded down; None when `end` is before `start`."""
    elapsed = (parse_time(end) - parse_time(start)) // timedelta(milliseconds=1)
    return None if elapsed < 0 else elapsed // 1000


def apply_status(after: CaseRecord, *, before: CaseRecord, now: str, user: UserRef) -> None:
    """Set what `after`'s new status changes, `now`, by `user` (`before`: the case as stored)."""
    timing = dict(before.timing)
    in_progress_at = timing.get("in_progress_at")
    if after.status == "closed":
        after.closed_at = now
        after.closed_by = user
        after.duration = _seconds(before.created_at, now)
        to_resolve = after.duration
        if to_resolve is not None:
            if in_progress_at is not None:
                acknowledged = _seconds(before.created_at, in_progress_at)
                investigated = _seconds(in_progress_at, now)
                if acknowledged is not None and investigated is not None:
                    timing.update(
                        time_to_acknowledge=acknowledged,
                        time_to_investigate=investigated,
                        time_to_resolve=to_resolve,
                    )
            else:
                timing.update(
                    time_to_acknowledge=to_resolve,
                    time_to_investigate=0,
                    time_to_resolve=to_resolve,
                )
    else:
        after.closed_at = None
        after.closed_by = None
        after.duration = None
        if after.status == "in-progress":
            if in_progress_at is None:
                timing["in_progress_at"] = now
            acknowledged = _seconds(before.created_at, now)
            if acknowledged is not None:
                timing.update(
                    time_to_acknowledge=acknowledged,
                    time_to_investigate=None,
                    time_to_resolve=None,
                )
        else:
            timing.update(time_to_acknowledge=None, time_to_investigate=None, time_to_resolve=None)
    after.timing = timing
