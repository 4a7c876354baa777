"""`python -m fuzz`: schemathesis against `opencases serve` on a fresh database, with a verdict.

Each run starts the server on a new SQLite file (or a new PostgreSQL database), lets
schemathesis test every operation of the served `GET /api/oas` (its examples, coverage,
fuzzing and stateful phases) for server errors and for answers the document does not
describe, then reads the server's log for tracebacks and 5xx answers. It exits 1 if any
run found anything, with each run's working directory (server log, JUnit report) kept.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench.servers import BIN, Server

from fuzz import fixtures, logs, servers

# CI: every operation, bounded (about a minute on two cores), with one seed: the same
# test cases each time.
CI_EXAMPLES = 30
CI_SEED = 1
# `--long` (`make fuzz`): both databases, ten times the examples, a new seed each time.
LONG_EXAMPLES = 300
CHECKS = "not_a_server_error,response_schema_conformance"
REQUEST_TIMEOUT_SECONDS = 10
# One schemathesis process keeps one core busy at most (its workers are threads), and the
# server then waits on it: a run is three processes at once, on parts of the document.
# The stateful phase follows links between operations of every part, over all of them.
CASES_WING = "^/(api|internal)/cases"
NOT_STATEFUL = "--phases=examples,coverage,fuzzing"
SHARES = (
    ("cases", (NOT_STATEFUL, f"--include-path-regex={CASES_WING}")),
    ("others", (NOT_STATEFUL, f"--exclude-path-regex={CASES_WING}")),
    ("stateful", ("--phases=stateful",)),
)
# One worker each: hypothesis parses Python source (ast.parse) to describe strategies, and
# Python 3.11 keeps the AST constructor's recursion depth per interpreter, so two threads
# parsing at once can fail with "AST constructor recursion depth mismatch" (a CI run did).
WORKERS = "1"
# What the command line cannot say: stateful scenarios long enough to follow the links
# from an object's creation (or a list of them) to its reads, updates and deletion.
SCHEMATHESIS_SETTINGS = """\
[phases.stateful]
max-steps = 20
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run found, in words (empty when it found nothing)."""

    database: str
    problems: list[str]
    seconds: float
    workdir: Path


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--long",
        action="store_true",
        help=f"both databases, {LONG_EXAMPLES} examples per operation, a random seed",
    )
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres", "both"],
        help="the databases to run on [sqlite; both with --long]",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        help=f"test cases per operation and phase [{CI_EXAMPLES}; {LONG_EXAMPLES} with --long]",
    )
    parser.add_argument("--seed", type=int, help=f"the random seed [{CI_SEED}; random with --long]")
    parser.add_argument(
        "--postgres-url",
        default=servers.postgres_server_url(),
        help="the PostgreSQL server that gets a scratch database"
        f" [${servers.POSTGRES_URL_VARIABLE}, else {servers.DEFAULT_POSTGRES_URL}]",
    )
    parser.add_argument("--workers", default=WORKERS, help=f"schemathesis workers [{WORKERS}]")
    parser.add_argument(
        "--keep", action="store_true", help="keep each run's directory even when it passed"
    )
    parser.add_argument(
        "extra",
        nargs="*",
        help="further `schemathesis run` options, after `--` (e.g. -- --include-tag cases)",
    )
    return parser.parse_args(argv)


def _schemathesis(
    server: Server,
    args: argparse.Namespace,
    *,
    examples: int,
    seed: int,
    workdir: Path,
    settings: Path,
    share: str,
) -> list[str]:
    """The `schemathesis run` command line for a server and one share of the document."""
    return [
        str(BIN / "schemathesis"),
        f"--config-file={settings}",
        "run",
        f"{server.base_url}/api/oas",
        f"--auth=elastic:{servers.ELASTIC_PASSWORD}",
        "--header=kbn-xsrf: true",
        "--header=x-elastic-internal-origin: fuzz",
        f"--checks={CHECKS}",
        f"--max-examples={examples}",
        f"--seed={seed}",
        f"--request-timeout={REQUEST_TIMEOUT_SECONDS}",
        f"--workers={args.workers}",
        "--generation-database=none",
        "--no-color",
        "--report=junit",
        f"--report-dir={workdir / 'report' / share}",
    ]


def run_once(database: str, args: argparse.Namespace, *, examples: int, seed: int) -> Outcome:
    """One server on a fresh `database`, one schemathesis run, one verdict."""
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix=f"opencases-fuzz-{database}-"))
    print(f"\n=== fuzz on {database}: {examples} examples per operation, seed {seed}", flush=True)
    print(f"    working directory {workdir}", flush=True)
    problems: list[str] = []
    fresh: AbstractContextManager[str] = (
        servers.postgres_database(args.postgres_url)
        if database == "postgres"
        else nullcontext(f"sqlite:///{workdir / 'opencases.db'}")
    )
    log_file = workdir / "server.log"
    oas: dict[str, object] = {}
    try:
        with fresh as database_url, servers.opencases(database_url, log_file) as server:
            auth = ("elastic", servers.ELASTIC_PASSWORD)
            oas = httpx.get(f"{server.base_url}/api/oas", auth=auth, timeout=10).json()
            problems += fixtures.create(server)
            problems += _run_shares(server, args, examples=examples, seed=seed, workdir=workdir)
            if server.process.poll() is not None:
                problems.append(f"the server died during the run (exit {server.process.poll()})")
    except servers.Unavailable as exc:
        problems.append(str(exc))
    if log_file.exists():
        found = logs.read(log_file, oas)
        print(f"\n--- {database}: what the server answered, per operation", flush=True)
        print(logs.coverage_table(found.statuses), flush=True)
        if found.failures:
            problems.append(
                f"the server log has {len(found.failures)} failure(s):\n"
                + "\n".join(f"  - {failure}" for failure in found.failures[:20])
            )
    return Outcome(database, problems, time.monotonic() - started, workdir)


def _run_shares(
    server: Server, args: argparse.Namespace, *, examples: int, seed: int, workdir: Path
) -> list[str]:
    """Run schemathesis on every share at once; print each one's output once it ended."""
    settings = workdir / "schemathesis.toml"
    settings.write_text(SCHEMATHESIS_SETTINGS)
    runs = []
    for share, options in SHARES:
        command = [
            *_schemathesis(
                server,
                args,
                examples=examples,
                seed=seed,
                workdir=workdir,
                settings=settings,
                share=share,
            ),
            *options,
            *args.extra,
        ]
        output = workdir / f"schemathesis-{share}.log"
        print(f"    $ {' '.join(command)} > {output.name}", flush=True)
        with output.open("wb") as log:
            process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        runs.append((share, output, process))
    problems = []
    for share, output, process in runs:
        code = process.wait()
        # Its progress, then each failure with a curl line to replay it.
        print(f"\n--- schemathesis, {share}", flush=True)
        print(output.read_text(errors="replace"), flush=True)
        if code != 0:
            problems.append(f"schemathesis ({share}) exited with {code}: its output is above")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz runs the arguments ask for; 0 when none found anything."""
    args = _arguments(argv)
    database = args.database or ("both" if args.long else "sqlite")
    databases = ["sqlite", "postgres"] if database == "both" else [database]
    examples = args.max_examples or (LONG_EXAMPLES if args.long else CI_EXAMPLES)
    seed = (
        args.seed if args.seed is not None else (random.randrange(2**31) if args.long else CI_SEED)
    )
    outcomes = [run_once(name, args, examples=examples, seed=seed) for name in databases]
    print("\n=== fuzz summary", flush=True)
    for outcome in outcomes:
        verdict = "FAILED" if outcome.problems else "passed"
        print(f"  {outcome.database}: {verdict} in {outcome.seconds:.0f}s (seed {seed})")
        for problem in outcome.problems:
            print("    " + problem.replace("\n", "\n    "))
        if outcome.problems or args.keep:
            print(f"    kept: {outcome.workdir} (server.log, report/)")
        else:
            shutil.rmtree(outcome.workdir, ignore_errors=True)
    if any(outcome.problems for outcome in outcomes):
        print(f"  replay: python -m fuzz --database ... --seed {seed} --max-examples {examples}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
