"""`opencases migrate-data`: a populated SQLite database copied to a fresh one, secrets too."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from opencases.cli import main
from opencases.db.migrate import migrate
from tests.cases.conftest import CASE_REQUEST
from tests.conftest import BACKENDS, ELASTIC_PASSWORD, fresh_database, make_client
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import connector_settings, started_app

SOURCE_KEY = "the-source-encryption-key-of-32-characters"
TARGET_KEY = "the-target-encryption-key-of-32-characters"
CREDENTIALS: dict[str, Any] = {
    "auth": ("elastic", ELASTIC_PASSWORD),
    "headers": {"kbn-xsrf": "true", "x-elastic-internal-origin": "Kibana"},
}
# What the comparison reads, through the API, on each database.
READS = (
    "/api/spaces/space",
    "/api/security/role",
    "/internal/security/users",
    "/api/cases/configure",
    "/api/actions/connectors",
    "/api/actions/connector/jira",
)


async def populate(url: str, elastic_hash: str) -> str:
    """A space, a role, a user, a configuration, a connector with secrets and a case with
    a comment and a file; the case's id."""
    settings = connector_settings(url, encryption_key=SOURCE_KEY)
    async with (
        started_app(settings, elastic_hash, FakeService(), connector_types=None) as app,
        make_client(app, **CREDENTIALS) as client,
    ):
        for method, path, body in (
            ("POST", "/api/spaces/space", {"id": "soc", "name": "SOC"}),
            ("PUT", "/api/security/role/analyst", {"elasticsearch": {}, "kibana": []}),
            (
                "POST",
                "/internal/security/users/anna",
                {"username": "anna", "password": "anna-pw-123", "roles": ["analyst"]},
            ),
            (
                "POST",
                "/api/actions/connector/jira",
                {
                    "name": "Jira",
                    "connector_type_id": ".jira",
                    "config": {"apiUrl": "https://jira.example.com", "projectKey": "CK"},
                    "secrets": {"email": "anna@example.com", "apiToken": "token"},
                },
            ),
            (
                "POST",
                "/api/cases/configure",
                {
                    "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
                    "closure_type": "close-by-pushing",
                    "owner": "securitySolution",
                },
            ),
        ):
            response = await client.request(method, path, json=body)
            assert response.status_code in (200, 204), response.text
        case = (await client.post("/api/cases", json=CASE_REQUEST)).json()
        comment = {"type": "user", "comment": "A comment", "owner": "securitySolution"}
        assert (await client.post(f"/api/cases/{case['id']}/comments", json=comment)).is_success
        upload = await client.post(
            f"/api/cases/{case['id']}/files", files={"file": ("notes.txt", b"some notes")}
        )
        assert upload.status_code == 200, upload.text
        return str(case["id"])


async def read(url: str, elastic_hash: str, key: str, case_id: str) -> dict[str, Any]:
    """What the API answers on the database at `url` with `key`."""
    settings = connector_settings(url, encryption_key=key)
    async with (
        started_app(
            settings, elastic_hash, FakeService(), clean=False, connector_types=None
        ) as app,
        make_client(app, **CREDENTIALS) as client,
    ):
        answers = {path: (await client.get(path)).json() for path in READS}
        for path in (
            "/api/cases/_find",
            f"/api/cases/{case_id}",
            f"/api/cases/{case_id}/comments/_find",
            f"/api/cases/{case_id}/user_actions/_find",
            f"/api/cases/{case_id}/alerts",
        ):
            answers[path] = (await client.get(path)).json()
        [file] = [
            c
            for c in (await client.get(f"/api/cases/{case_id}/resolve")).json()["case"]["comments"]
            if c["type"] == "externalReference"
        ]
        download = await client.get(
            f"/api/files/files/securitySolutionFilesCases/{file['externalReferenceId']}/blob"
        )
        answers["file"] = download.content
        new = await client.post("/api/cases", json=CASE_REQUEST)
        answers["the next case number"] = new.json()["incremental_id"]
        return answers


@pytest.mark.parametrize("target_backend", BACKENDS)
def test_everything_arrives_and_the_secrets_open_with_the_new_key(
    tmp_path: Path, elastic_hash: str, target_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    migrate(source)
    case_id = asyncio.run(populate(source, elastic_hash))
    (tmp_path / "target").mkdir()
    with fresh_database(target_backend, tmp_path / "target") as target:
        monkeypatch.setenv("OPENCASES_ENCRYPTION_KEY", SOURCE_KEY)
        result = CliRunner().invoke(
            main,
            ["migrate-data", "--to", target, "--target-key", TARGET_KEY, "--database-url", source],
        )
        assert result.exit_code == 0, result.output
        before = asyncio.run(read(source, elastic_hash, SOURCE_KEY, case_id))
        after = asyncio.run(read(target, elastic_hash, TARGET_KEY, case_id))

    assert after == before
    assert before["/api/actions/connector/jira"]["is_missing_secrets"] is False
    assert before["file"] == b"some notes"
