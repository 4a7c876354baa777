"""The import contract of docs/architecture.md: layers point down, stores stay private."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(repo_root: Path, source: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the repository's contract over the package under `source`."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(repo_root / ".importlinter")],
        capture_output=True,
        text=True,
        cwd=source,
        env={**os.environ, "PYTHONPATH": str(source)},
        check=False,
    )


def test_the_code_keeps_the_contract(repo_root: Path) -> None:
    result = lint_imports(repo_root, repo_root / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert "Contracts: 7 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "broken"),
    [
        ("connectors/service.py", "import opencases.configure.service", "Layers point down"),
        ("security/grants.py", "import opencases.spaces.service", "Layers point down"),
        ("kibana/http.py", "import opencases.security.context", "Layers point down"),
        (
            "configure/service.py",
            "import opencases.connectors.store",
            "Connectors store is private",
        ),
        (
            "spaces/service.py",
            "import opencases.security.roles.service",
            "Security admin is private",
        ),
        (
            "security/context.py",
            "import opencases.security.users.service",
            "Security layer is below admin",
        ),
    ],
)
def test_an_upward_or_private_import_breaks_the_contract(
    repo_root: Path, tmp_path: Path, module: str, upward_import: str, broken: str
) -> None:
    copy = tmp_path / "src"
    shutil.copytree(repo_root / "src" / "opencases", copy / "opencases")
    target = copy / "opencases" / module
    target.write_text(target.read_text() + f"\n{upward_import}  # noqa\n")
    result = lint_imports(repo_root, copy)
    assert result.returncode == 1
    assert f"{broken} BROKEN" in result.stdout, result.stdout
