"""POST /api/files/files/{fileKind}/list: the files of a case, as Kibana's UI lists them
(Kibana's Files service list route for the cases file kinds; use_get_case_files.tsx)."""

from __future__ import annotations

import httpx

from tests.cases.conftest import create_case

KIND = "securitySolutionFilesCases"
LIST = f"/api/files/files/{KIND}/list"


async def upload(client: httpx.AsyncClient, case_id: str, name: str) -> str:
    """A text file attached to the case; its id."""
    response = await client.post(
        f"/api/cases/{case_id}/files", files={"file": (f"{name}.txt", b"notes")}
    )
    assert response.status_code == 200, response.text
    file_id: str = response.json()["comments"][-1]["externalReferenceId"]
    return file_id


async def test_a_case_lists_its_files_by_name_and_page(
    client: httpx.AsyncClient,
) -> None:
    case, other = await create_case(client), await create_case(client)
    first = await upload(client, case["id"], "first report")
    second = await upload(client, case["id"], "second")
    await upload(client, other["id"], "elsewhere")

    listed = await client.post(LIST, json={"meta": {"caseIds": [case["id"]]}})
    named = await client.post(LIST, json={"meta": {"caseIds": [case["id"]]}, "name": "*report*"})
    pages = [
        await client.post(
            LIST, params={"page": page, "perPage": 1}, json={"meta": {"caseIds": [case["id"]]}}
        )
        for page in (1, 2)
    ]

    assert listed.status_code == 200, listed.text
    files = {f["id"]: f for f in listed.json()["files"]}
    assert (set(files), listed.json()["total"]) == ({first, second}, 2)
    assert files[first] == {
        **files[first],
        "name": "first report",
        "extension": "txt",
        "mimeType": "text/plain",
        "size": 5,
        "status": "READY",
        "fileKind": KIND,
        "meta": {"caseIds": [case["id"]], "owner": ["securitySolution"]},
    }
    assert ([f["id"] for f in named.json()["files"]], named.json()["total"]) == ([first], 1)
    # One file a page, newest first (files made in the same millisecond in either order).
    assert [len(page.json()["files"]) for page in pages] == [1, 1]
    assert {page.json()["files"][0]["id"] for page in pages} == {first, second}


async def test_a_kind_that_is_not_a_cases_kind_is_not_a_route(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/files/files/someOtherKind/list", json={})

    assert (response.status_code, response.json()) == (
        404,
        {"statusCode": 404, "error": "Not Found", "message": "Not Found"},
    )
