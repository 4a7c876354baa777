"""`python -m bench`: measure every scenario on SQLite (and PostgreSQL) beside the bare floor."""

from __future__ import annotations

import asyncio
import datetime
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from importlib.metadata import version
from pathlib import Path

import httpx
import msgspec

from bench import postgres, servers, wrk
from bench.scenarios import BODIES, ELASTIC_AUTH, SCENARIOS, Scenario, Target

RESULTS = Path(__file__).with_name("results")

Backend = tuple[str, Callable[[Path], AbstractContextManager[str]]]


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One measured line of the table."""

    target: str
    backend: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    ratio_to_bare: float
    requests: int
    errors: int
    latency_us: dict[str, float]
    # Whether the scenario's target was reached: None off SQLite or without a target.
    target_met: bool | None = None


class Report(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one run measured, as written to bench/results/latest.json."""

    finished_at: str
    load: dict[str, float]
    warmup_seconds: float
    machine: dict[str, str | int | float]
    rows: list[Row]
    notes: list[str]
    targets_met: bool


# `OPENCASES_BENCH_ONLY=comments make bench`: only the scenarios whose name holds it.
ONLY = os.environ.get("OPENCASES_BENCH_ONLY", "")


def env_seconds(name: str, default: float) -> float:
    """A positive number of seconds from the environment."""
    value = float(os.environ.get(name, default))
    if value <= 0:
        raise SystemExit(f"{name} must be positive")
    return value


def machine() -> dict[str, str | int | float]:
    """What the numbers were measured on, and how busy it was before the run."""
    return {
        "cpus": os.cpu_count() or 0,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "granian": version("granian"),
        "starlette": version("starlette"),
        "wrk": wrk.wrk_version(),
    }


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    """A SQLite file in the run's temporary folder (`opencases serve` creates it)."""
    yield f"sqlite:///{workdir / 'opencases.db'}"


def backends(notes: list[str]) -> list[Backend]:
    """SQLite always; PostgreSQL when a server is configured (it may still be skipped)."""
    found: list[Backend] = [("sqlite", sqlite_database)]
    url = postgres.server_url()
    if url is None:
        notes.append(f"PostgreSQL skipped: {postgres.URL_VARIABLE} is empty")
    else:
        found.append(("postgresql", lambda _workdir: postgres.scratch_database(url)))
    return found


def check_request(server: servers.Server, scenario: Scenario) -> None:
    """Send the scenario's request once; fail unless it succeeds."""
    if scenario.targets_file is not None:
        return  # its requests are built from the targets its setup wrote
    content = scenario.body_file.read_bytes() if scenario.body_file else None
    response = httpx.request(
        scenario.method,
        server.base_url + scenario.path,
        headers=dict(scenario.headers),
        content=content,
        timeout=10.0,
    )
    if not response.is_success:
        raise RuntimeError(f"{scenario.name}: {response.status_code} {response.text[:300]}")


async def run_setup(server: servers.Server, scenario: Scenario) -> None:
    """Prepare the scenario's data over HTTP, as `elastic`."""
    if scenario.setup is None:
        return
    headers = {**ELASTIC_AUTH, "kbn-xsrf": "bench"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30.0) as client:
        await scenario.setup(client)


@contextmanager
def creating_cases(server: servers.Server, per_second: float) -> Iterator[None]:
    """Another client creating cases at `per_second` while the block runs."""
    if not per_second:
        yield
        return
    stop = threading.Event()
    body = (BODIES / "post_case.json").read_bytes()
    headers = {**ELASTIC_AUTH, "kbn-xsrf": "bench", "content-type": "application/json"}

    def create() -> None:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=10.0) as client:
            next_at = time.monotonic()
            while not stop.is_set():
                client.post("/api/cases", content=body).raise_for_status()
                next_at += 1 / per_second
                stop.wait(max(0.0, next_at - time.monotonic()))

    writer = threading.Thread(target=create, daemon=True)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join()


def measure(
    server: servers.Server, scenario: Scenario, load: wrk.Load, warmup: float
) -> wrk.WrkResult:
    """Warm the server up with the scenario's request, then measure it."""
    warm = wrk.Load(threads=load.threads, connections=load.connections, seconds=warmup)
    for run_load in (warm, load):
        if scenario.targets_file is not None:
            # The targets carry versions, which the previous run used up.
            asyncio.run(run_setup(server, scenario))
        with creating_cases(server, scenario.background_creates_per_second):
            result = wrk.run(
                server.base_url + scenario.path,
                run_load,
                method=scenario.method,
                headers=scenario.headers,
                body_file=scenario.body_file,
                targets_file=scenario.targets_file,
            )
    if result.errors.total:
        # Kept in the table (its `errors` column), judged as missing its target: the rest
        # of the run still measures.
        print(f"  {scenario.name}: wrk counted errors {result.errors}", flush=True)
    return result


def row(target: str, backend: str, result: wrk.WrkResult, floor: float | None) -> Row:
    """A table row from a wrk result; `floor` is the bare app's req/s (None for the bare row)."""
    rps = result.requests_per_second
    return Row(
        target=target,
        backend=backend,
        requests_per_second=round(rps, 1),
        p50_ms=result.p50_us / 1000,
        p99_ms=result.p99_us / 1000,
        ratio_to_bare=round(rps / floor, 4) if floor else 1.0,
        requests=result.requests,
        errors=result.errors.total,
        latency_us={
            "p50": result.p50_us,
            "p90": result.p90_us,
            "p99": result.p99_us,
            "max": result.max_us,
            "mean": result.mean_us,
        },
    )


def judged(measured: Row, scenario: Scenario) -> Row:
    """`measured` with whether it reached the scenario's target (where the target holds)."""
    goal = scenario.target
    if goal is None or (measured.backend != "sqlite" and not goal.every_database):
        return measured
    # A request that failed (a timeout, a non-2xx answer) misses the target whatever the rate.
    fast_enough = goal.max_p99_ms is None or measured.p99_ms < goal.max_p99_ms
    met = (
        not measured.errors
        and measured.ratio_to_bare >= goal.min_ratio
        and measured.requests_per_second >= goal.min_requests_per_second
        and fast_enough
    )
    return msgspec.structs.replace(measured, target_met=met)


def measure_bare(workdir: Path, load: wrk.Load, warmup: float) -> Row:
    """The floor: the bare app under the first scenario's request."""
    with servers.bare(workdir) as server:
        result = measure(server, SCENARIOS[0], load, warmup)
    return row("bare ASGI app", "-", result, None)


def measure_backend(
    backend: Backend,
    workdir: Path,
    load: wrk.Load,
    warmup: float,
    floor: float,
    notes: list[str],
) -> list[Row]:
    """Every scenario against a fresh `opencases serve` on one backend."""
    name, database = backend
    rows: list[Row] = []
    with database(workdir) as url, servers.opencases(url, workdir, name=name) as server:
        for scenario in SCENARIOS:
            if ONLY not in scenario.name:
                continue
            asyncio.run(run_setup(server, scenario))
            if scenario.seed is not None:
                print(f"  seeding for {scenario.name} on {name} ...", flush=True)
                seconds = scenario.seed(url)
                notes.append(f"{name}: seeding for {scenario.name!r} took {seconds:.1f}s")
            check_request(server, scenario)
            print(f"  measuring {scenario.name} on {name} ...", flush=True)
            result = measure(server, scenario, load, warmup)
            rows.append(judged(row(scenario.name, name, result, floor), scenario))
    return rows


def table(rows: list[Row]) -> str:
    """The results as an aligned text table."""
    header = ("target", "backend", "req/s", "p50 ms", "p99 ms", "ratio to bare", "errors")
    lines = [
        (
            r.target,
            r.backend,
            f"{r.requests_per_second:,.0f}",
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            f"{r.ratio_to_bare:.1%}",
            f"{r.errors:,}",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def fmt(cells: tuple[str, ...]) -> str:
        left = [c.ljust(w) for c, w in zip(cells[:2], widths[:2], strict=True)]
        right = [c.rjust(w) for c, w in zip(cells[2:], widths[2:], strict=True)]
        return " | ".join(left + right)

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def judgement(measured: Row, goal: Target) -> str:
    """One scenario's figures beside what its target asks."""
    figures: list[str] = []
    if goal.min_ratio:
        figures.append(f"{measured.ratio_to_bare:.1%} of bare (>= {goal.min_ratio:.0%})")
    if goal.min_requests_per_second:
        figures.append(
            f"{measured.requests_per_second:,.0f} req/s (>= {goal.min_requests_per_second:,.0f})"
        )
    p99_goal = "" if goal.max_p99_ms is None else f" (< {goal.max_p99_ms:g} ms)"
    figures.append(f"p99 {measured.p99_ms:.2f} ms{p99_goal}")
    if measured.errors:
        figures.append(f"{measured.errors:,} errors")
    return f"{measured.target} [{measured.backend}]: {', '.join(figures)}"


def verdict(rows: list[Row]) -> str:
    """Which scenarios missed their targets (first) and which met them."""
    goals = {scenario.name: scenario.target for scenario in SCENARIOS}
    judged_rows = [r for r in rows if r.target_met is not None]
    missed: list[str] = []
    met: list[str] = []
    for r in judged_rows:
        goal = goals[r.target]
        assert goal is not None
        (met if r.target_met else missed).append(judgement(r, goal))
    lines = [f"Targets NOT met ({len(missed)} of {len(judged_rows)}): " + "; ".join(missed)]
    if not missed:
        lines = []
    lines.append(f"Targets met ({len(met)} of {len(judged_rows)}): " + "; ".join(met))
    return "\n".join(lines)


def write(report: Report) -> Path:
    """Write the report to bench/results/latest.json."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "latest.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(report)) + b"\n")
    return path


def run(workdir: Path) -> Report:
    """Measure the floor, then every backend; print as it goes."""
    started_on = machine()
    load = wrk.Load(seconds=env_seconds("OPENCASES_BENCH_SECONDS", 10.0))
    warmup = env_seconds("OPENCASES_BENCH_WARMUP_SECONDS", 3.0)
    notes: list[str] = []
    print(
        f"wrk: {load.threads} threads, {load.connections} connections, {warmup:g}s warm-up,"
        f" {load.seconds:g}s measured; one server worker",
        flush=True,
    )
    print(
        f"machine: {started_on['cpus']} CPUs, load average"
        f" {started_on['load_average_1m_at_start']} at start (other work skews the figures)",
        flush=True,
    )
    print("  measuring the bare ASGI app ...", flush=True)
    rows = [measure_bare(workdir, load, warmup)]
    floor = rows[0].requests_per_second
    for backend in backends(notes):
        try:
            rows += measure_backend(backend, workdir, load, warmup, floor, notes)
        except postgres.Unavailable as exc:
            notes.append(f"PostgreSQL skipped: {exc}")
    return Report(
        finished_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        load={"threads": load.threads, "connections": load.connections, "seconds": load.seconds},
        warmup_seconds=warmup,
        machine=started_on,
        rows=rows,
        notes=notes,
        targets_met=all(r.target_met for r in rows if r.target_met is not None),
    )


def main() -> int:
    """Run the bench; the temporary folder (logs, SQLite file) is kept only on failure."""
    workdir = Path(tempfile.mkdtemp(prefix="opencases-bench-"))
    try:
        report = run(workdir)
    except Exception as exc:
        print(f"bench failed: {exc}\n(server logs kept in {workdir})", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(table(report.rows))
    for note in report.notes:
        print(f"note: {note}")
    print(verdict(report.rows))
    print(f"written: {write(report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
