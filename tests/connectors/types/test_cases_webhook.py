"""Webhook - Case Management: validation, and pushes against a fake Jira-like system."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from opencases.connectors.errors import ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.cases_webhook import CasesWebhook
from opencases.kibana.time import Clock, parse_time
from tests.connectors.conftest import RunConnector
from tests.connectors.fakes import FakeService, timeout
from tests.connectors.helpers import FixedClock
from tests.connectors.tls import CLIENT_NAME, PFX_PASSWORD, Pki, TlsServer, b64

BASE = "https://external.example.com"
NOW = "2024-05-06T07:08:09.010Z"
CASE_JSON = (
    '{"fields":{"summary":{{{case.title}}},"description":{{{case.description}}},'
    '"labels":{{{case.tags}}},"project":{"key":"ROC"}}}'
)
SECRETS = {"user": "elastic", "password": "changeme"}
BASIC = "Basic " + base64.b64encode(b"elastic:changeme").decode()


def webhook_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "createIncidentUrl": f"{BASE}/rest/api/2/issue/",
        "createIncidentMethod": "post",
        "createIncidentJson": CASE_JSON,
        "createIncidentResponseKey": "id",
        "getIncidentUrl": f"{BASE}/rest/api/2/issue/{{{{{{external.system.id}}}}}}",
        "getIncidentResponseExternalTitleKey": "fields.key",
        "viewIncidentUrl": f"{BASE}/browse/{{{{{{external.system.title}}}}}}",
        "updateIncidentUrl": f"{BASE}/rest/api/2/issue/{{{{{{external.system.id}}}}}}",
        "updateIncidentJson": CASE_JSON,
        "createCommentUrl": f"{BASE}/rest/api/2/issue/{{{{{{external.system.id}}}}}}/comment",
        "createCommentMethod": "post",
        "createCommentJson": '{"body":{{{case.comment}}},"issue":{{{external.system.id}}}}',
        "headers": {"X-Team": "soc"},
    }
    return {**config, **overrides}


def push(externalId: str | None = None, comments: Any = None) -> dict[str, Any]:
    return {
        "subAction": "pushToService",
        "subActionParams": {
            "incident": {
                "title": 'Login "storm"',
                "description": "Seen twice",
                "tags": ["auth", "prod"],
                "externalId": externalId,
            },
            "comments": comments,
        },
    }


@pytest.fixture
def clock() -> Clock:
    """The connectors' time: pushes are dated NOW."""
    return FixedClock(parse_time(NOW))


def issue() -> httpx.Response:
    return httpx.Response(200, json={"id": "10001", "fields": {"key": "ROC-1"}})


async def test_push_creates_a_case_then_updates_it_with_comments(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json={"id": "10001"}))
    fake.on("GET", "/rest/api/2/issue/10001", issue())
    fake.on("PUT", "/rest/api/2/issue/10001", httpx.Response(204))
    fake.on("POST", "/rest/api/2/issue/10001/comment", httpx.Response(201, json={"id": "c"}))

    created = await run_connector(
        CasesWebhook(), fake=fake, config=webhook_config(), secrets=SECRETS, params=push()
    )
    updated = await run_connector(
        CasesWebhook(),
        fake=fake,
        config=webhook_config(),
        secrets=SECRETS,
        params=push(
            "10001",
            [
                {"comment": "first", "commentId": "c-1"},
                {"comment": "", "commentId": "c-2"},
                {"comment": "third", "commentId": "c-3"},
            ],
        ),
    )

    pushed = {
        "id": "10001",
        "title": "ROC-1",
        "url": f"{BASE}/browse/ROC-1",
        "pushedDate": NOW,
    }
    assert created == {"connector_id": "connector-1", "status": "ok", "data": pushed}
    assert updated == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            **pushed,
            "comments": [
                {"commentId": "c-1", "pushedDate": NOW},
                {"commentId": "c-3", "pushedDate": NOW},
            ],
        },
    }
    case_body = {
        "fields": {
            "summary": 'Login "storm"',
            "description": "Seen twice",
            "labels": ["auth", "prod"],
            "project": {"key": "ROC"},
        }
    }
    get: dict[str, Any] = {
        "method": "GET",
        "path": "/rest/api/2/issue/10001",
        "query": {},
        "body": None,
    }
    assert fake.summaries() == [
        {"method": "POST", "path": "/rest/api/2/issue", "query": {}, "body": case_body},
        get,
        {"method": "PUT", "path": "/rest/api/2/issue/10001", "query": {}, "body": case_body},
        get,
        *(
            {
                "method": "POST",
                "path": "/rest/api/2/issue/10001/comment",
                "query": {},
                "body": {"body": text, "issue": "10001"},
            }
            for text in ("first", "third")
        ),
    ]
    for request in fake.received:
        assert request.headers["authorization"] == BASIC
        assert request.headers["x-team"] == "soc"
        expected_type = None if request.method == "GET" else "application/json"
        assert request.headers.get("content-type") == expected_type


async def test_external_id_is_url_encoded_in_urls(
    run_connector: RunConnector, fake: FakeService
) -> None:
    raw_paths: list[bytes] = []

    def answer(body: dict[str, Any]) -> Any:
        def respond(request: httpx.Request) -> httpx.Response:
            raw_paths.append(request.url.raw_path)
            return httpx.Response(200, json=body)

        return respond

    # The fake's routes are decoded paths; the raw ones show the encoding.
    fake.on("PUT", "/rest/api/2/issue/a/b c", answer({}))
    fake.on("GET", "/rest/api/2/issue/a/b c", answer({"fields": {"key": 7}}))

    result = await run_connector(
        CasesWebhook(),
        fake=fake,
        config=webhook_config(updateIncidentJson='{"id":{{{external.system.id}}}}'),
        secrets=SECRETS,
        params=push("a/b c"),
    )

    assert result["data"] == {
        "id": "a/b c",
        "title": "7",
        "url": f"{BASE}/browse/7",
        "pushedDate": NOW,
    }
    assert [(r.method, r.body) for r in fake.received] == [
        ("PUT", {"id": "a/b c"}),
        ("GET", None),
    ]
    assert raw_paths == [b"/rest/api/2/issue/a%2Fb%20c"] * 2


def failed(service_message: str) -> dict[str, Any]:
    return {
        "connector_id": "connector-1",
        "status": "error",
        "message": "an error occurred while running the action",
        "service_message": service_message,
        "retry": True,
        "errorSource": "framework",
    }


CREATE_FAILED = "[Action][Webhook - Case Management]: Unable to create case. Error:"


@pytest.mark.parametrize(
    ("answer", "service_message"),
    [
        (
            httpx.Response(401, json={"errorMessages": ["no"]}),
            f"{CREATE_FAILED} Request failed with status code 401. "
            '{"errorMessages":["no"]} Reason: Unauthorized',
        ),
        (
            httpx.Response(500, text=""),
            f"{CREATE_FAILED} Request failed with status code 500.  Reason: Internal Server Error",
        ),
        (
            httpx.Response(200, text="nope", headers={"content-type": "application/json"}),
            f"{CREATE_FAILED} Response is not a valid JSON.  ",
        ),
        (
            httpx.Response(200, text="<html>", headers={"content-type": "text/html"}),
            f"{CREATE_FAILED} Unsupported content type: text/html in post "
            f"{BASE}/rest/api/2/issue. Supported content types: application/json.  ",
        ),
        (
            httpx.Response(200, json={"key": "ROC-1"}),
            f"{CREATE_FAILED} Response is missing the expected field: id.  ",
        ),
        (timeout, f"{CREATE_FAILED} timeout of 60000ms exceeded.  "),
    ],
)
async def test_create_failures(
    run_connector: RunConnector, fake: FakeService, answer: Any, service_message: str
) -> None:
    fake.on("POST", "/rest/api/2/issue", answer)

    result = await run_connector(
        CasesWebhook(), fake=fake, config=webhook_config(), secrets=SECRETS, params=push()
    )

    assert result == failed(service_message)


async def test_a_failed_read_back_names_both_steps(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json={"id": "10001"}))
    fake.on("GET", "/rest/api/2/issue/10001", httpx.Response(200, json={"fields": {}}))

    result = await run_connector(
        CasesWebhook(), fake=fake, config=webhook_config(), secrets=SECRETS, params=push()
    )

    assert result == failed(
        f"{CREATE_FAILED} [Action][Webhook - Case Management]: Unable to get case with id "
        "10001. Error: Response is missing the expected field: fields.key.  .  "
    )


async def test_bad_rendered_json_is_refused_before_any_call(
    run_connector: RunConnector, fake: FakeService
) -> None:
    result = await run_connector(
        CasesWebhook(),
        fake=fake,
        config=webhook_config(updateIncidentJson='{"summary":{{{case.title}}}},,'),
        secrets=SECRETS,
        params=push("12345"),
    )

    assert result == failed(
        "[Action][Webhook - Case Management]: Unable to update case with id 12345. "
        "Error: JSON Error: Update case JSON body must be valid JSON.  "
    )
    assert fake.received == []


async def test_bad_rendered_url_is_refused(run_connector: RunConnector, fake: FakeService) -> None:
    result = await run_connector(
        CasesWebhook(),
        fake=fake,
        config=webhook_config(createIncidentUrl="ftp://external.example.com/issue"),
        secrets=SECRETS,
        params=push(),
    )

    assert result == failed(f"{CREATE_FAILED} Invalid Create case URL: Error: Invalid protocol.  ")


async def test_missing_credentials_are_a_wrong_configuration(
    run_connector: RunConnector, fake: FakeService
) -> None:
    result = await run_connector(
        CasesWebhook(), fake=fake, config=webhook_config(), secrets={}, params=push()
    )

    assert result == failed("[Action]Webhook - Case Management: Wrong configuration.")


async def test_without_auth_no_authorization_is_sent(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json={"id": "1"}))
    fake.on("GET", "/rest/api/2/issue/1", issue())

    result = await run_connector(
        CasesWebhook(), fake=fake, config=webhook_config(hasAuth=False), secrets={}, params=push()
    )

    assert result["status"] == "ok"
    assert all("authorization" not in r.headers for r in fake.received)


HTTP = Outbound(allowed_hosts=("external.example.com",))


def config_error(config: dict[str, Any]) -> str:
    with pytest.raises(ValidationFailed) as caught:
        CasesWebhook().validate_config(config, http=HTTP)
    return caught.value.message


def test_config_defaults() -> None:
    config = webhook_config()
    for key in ("createIncidentMethod", "createCommentUrl", "createCommentMethod", "headers"):
        del config[key]

    assert CasesWebhook().validate_config(config, http=HTTP) == {
        **config,
        "createIncidentMethod": "post",
        "updateIncidentMethod": "put",
        "createCommentUrl": None,
        "createCommentMethod": None,
        "headers": None,
        "hasAuth": True,
    }


def test_config_validation_messages() -> None:
    without_key = webhook_config()
    del without_key["createIncidentResponseKey"]

    assert config_error(without_key) == (
        "[createIncidentResponseKey]: expected value of type [string] but got [undefined]"
    )
    assert config_error(webhook_config(getIncidentUrl="http://elsewhere.example.com/x")) == (
        'error configuring cases webhook action: target url "http://elsewhere.example.com/x" '
        "is not added to the Kibana config xpack.actions.allowedHosts"
    )
    assert config_error(webhook_config(viewIncidentUrl="browse/1")) == (
        "error configuring cases webhook action: unable to parse browse/1: TypeError: Invalid URL"
    )
    assert config_error(webhook_config(createIncidentMethod="patch")) == (
        "[createIncidentMethod]: types that failed validation:\n"
        "- [createIncidentMethod.0]: expected value to equal [post] but got [patch]\n"
        "- [createIncidentMethod.1]: expected value to equal [put] but got [patch]"
    )


def test_secrets_must_be_one_complete_credential() -> None:
    with pytest.raises(ValidationFailed) as caught:
        CasesWebhook().validate_secrets({"user": "elastic"}, http=HTTP)

    assert caught.value.message == (
        "must specify one of the following schemas: user and password; crt and key "
        "(with optional password); or pfx (with optional password)"
    )
    assert CasesWebhook().validate_secrets(SECRETS, http=HTTP) == {
        **SECRETS,
        "crt": None,
        "key": None,
        "pfx": None,
    }


async def test_params_need_a_title(run_connector: RunConnector, fake: FakeService) -> None:
    result = await run_connector(
        CasesWebhook(),
        fake=fake,
        config=webhook_config(),
        secrets=SECRETS,
        params={"subAction": "pushToService"},
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "error",
        "message": "error validating action params: "
        "[subActionParams.incident.title]: expected value of type [string] but got [undefined]",
        "retry": False,
        "errorSource": "user",
    }


async def test_a_template_mustache_cannot_parse_renders_as_an_invalid_url(
    run_connector: RunConnector, fake: FakeService
) -> None:
    result = await run_connector(
        CasesWebhook(),
        fake=fake,
        config=webhook_config(updateIncidentUrl=f"{BASE}/issue/{{{{{{external.system.id}}}}}}{{{{"),
        secrets=SECRETS,
        params=push("12345"),
    )

    assert result == failed(
        "[Action][Webhook - Case Management]: Unable to update case with id 12345. "
        "Error: Invalid Update case URL: Error: Invalid URL.  "
    )


async def test_double_braces_html_escape_as_mustache_does(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json={"id": "1"}))
    fake.on("GET", "/rest/api/2/issue/1", issue())
    params = push()
    params["subActionParams"]["incident"]["title"] = "a<b & c"

    await run_connector(
        CasesWebhook(),
        fake=fake,
        config=webhook_config(createIncidentJson='{"summary":"{{case.title}}"}'),
        secrets=SECRETS,
        params=params,
    )

    assert fake.received[0].body == {"summary": "&quot;a&lt;b &amp; c&quot;"}


async def test_push_over_tls_with_a_client_certificate(
    run_connector: RunConnector, https: TlsServer, pki: Pki
) -> None:
    https.answers[("POST", "/rest/api/2/issue")] = (201, {"id": "10001"})
    https.answers[("GET", "/rest/api/2/issue/10001")] = (200, {"fields": {"key": "ROC-1"}})
    https.answers[("POST", "/rest/api/2/issue/10001/comment")] = (201, {"id": "c"})
    config = {
        key: value.replace(BASE, https.url) if isinstance(value, str) else value
        for key, value in webhook_config().items()
    }
    ssl = {"authType": "webhook-authentication-ssl", "certType": "ssl-pfx"}
    ca = {"ca": b64(pki.ca.issued.cert), "verificationMode": "full"}
    secrets = {"pfx": b64(pki.client.pfx(PFX_PASSWORD)), "password": PFX_PASSWORD}

    result = await run_connector(
        CasesWebhook(),
        fake=None,
        config={**config, **ssl, **ca},
        secrets=secrets,
        params=push(comments=[{"comment": "first", "commentId": "c-1"}]),
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "id": "10001",
            "title": "ROC-1",
            "url": f"{https.url}/browse/ROC-1",
            "pushedDate": NOW,
            "comments": [{"commentId": "c-1", "pushedDate": NOW}],
        },
    }
    assert [(seen.client, seen.method, seen.path) for seen in https.seen] == [
        (CLIENT_NAME, "POST", "/rest/api/2/issue"),
        (CLIENT_NAME, "GET", "/rest/api/2/issue/10001"),
        (CLIENT_NAME, "POST", "/rest/api/2/issue/10001/comment"),
    ]
    assert https.seen[2].body == {"body": "first", "issue": "10001"}


async def test_ssl_auth_without_a_certificate_is_a_wrong_configuration(
    run_connector: RunConnector, fake: FakeService
) -> None:
    result = await run_connector(
        CasesWebhook(),
        fake=fake,
        config=webhook_config(authType="webhook-authentication-ssl"),
        secrets={},
        params=push(),
    )

    assert result == failed("[Action]Webhook - Case Management: Wrong configuration.")
    assert fake.received == []
