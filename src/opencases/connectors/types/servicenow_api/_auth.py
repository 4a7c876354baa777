"""How the calls to ServiceNow authenticate: Basic, or OAuth with a JWT assertion.

Kibana's ServiceNow connectors sign an RS256 JWT (`createJWTAssertion`) and exchange it at
the instance's `oauth_token.do` for an access token (`requestOAuthJWTToken`), which the
connector keeps between runs until it expires (`connector_token`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from opencases.connectors.errors import HostNotAllowed, OutboundError
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import AccessTokens
from opencases.connectors.types.javascript import (
    axios_data,
    js_number_coercion,
    js_string_coercion,
)
from opencases.connectors.types.servicenow_api._failures import ServiceNowFailure, prop
from opencases.kibana.time import Clock
from opencases.kibana.validation import UNDEFINED

# RFC 7523's grant type: a JWT assertion in exchange for an access token.
JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Kibana's createJWTAssertion: the assertion lives an hour (its "milliseconds" are seconds).
JWT_LIFETIME_SECONDS = 3600
# How long a token is kept when ServiceNow's answer does not say.
TOKEN_LIFETIME_SECONDS = 3600


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """What authenticates the calls: Basic username/password or OAuth JWT."""

    is_oauth: bool
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    user_identifier: str | None = None
    jwt_key_id: str | None = None
    client_secret: str | None = None
    private_key: str | None = None
    private_key_password: str | None = None

    def basic_authorization(self) -> str | None:
        """The Basic `authorization` header, unless OAuth or no username and password."""
        if self.is_oauth or not (self.username and self.password):
            return None
        pair = f"{self.username}:{self.password}".encode()
        return f"Basic {base64.b64encode(pair).decode()}"


async def new_access_token(
    *,
    http: Outbound,
    instance_url: str,
    credentials: Credentials,
    clock: Clock,
    tokens: AccessTokens | None,
) -> str:
    """A new `authorization` header for OAuth: sign an assertion, exchange it, keep the token."""
    # Kibana dates the token from before it asked, so it is never kept too long.
    requested_at = clock.now()
    assertion = create_jwt_assertion(
        private_key=credentials.private_key or "",
        passphrase=credentials.private_key_password,
        client_id=credentials.client_id or "",
        user_identifier=credentials.user_identifier or "",
        key_id=credentials.jwt_key_id or "",
        issued_at=int(requested_at.timestamp()),
    )
    authorization, expires_in = await request_jwt_access_token(
        http,
        f"{instance_url}/oauth_token.do",
        client_id=credentials.client_id or "",
        client_secret=credentials.client_secret or "",
        assertion=assertion,
    )
    if tokens is not None:
        try:
            expires_at = requested_at + timedelta(seconds=expires_in)
        except (OverflowError, ValueError):
            # Kibana's date throws too, inside the try that only logs: not kept.
            return authorization
        await tokens.put(authorization, expires_at=expires_at)
    return authorization


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt_failure(reason: str) -> ServiceNowFailure:
    # Kibana interpolates the jsonwebtoken Error itself, so "Error: " appears twice.
    return ServiceNowFailure(f"Unable to generate JWT token. Error: Error: {reason}")


def _load_private_key(pem: str, passphrase: str | None) -> Any:
    """The key jsonwebtoken would sign with, or its refusal."""
    try:
        return serialization.load_pem_private_key(
            pem.encode(), password=passphrase.encode() if passphrase else None
        )
    except TypeError:
        # Node ignores a passphrase given for an unencrypted key.
        if passphrase:
            try:
                return serialization.load_pem_private_key(pem.encode(), password=None)
            except (TypeError, ValueError, UnsupportedAlgorithm):
                pass
    except (ValueError, UnsupportedAlgorithm):
        pass
    # jsonwebtoken falls back to a secret key: a string becomes one, a {key, passphrase} cannot.
    if passphrase:
        raise _jwt_failure("secretOrPrivateKey is not valid key material")
    raise _jwt_failure("secretOrPrivateKey must be an asymmetric key when using RS256")


def create_jwt_assertion(
    *,
    private_key: str,
    passphrase: str | None,
    client_id: str,
    user_identifier: str,
    key_id: str,
    issued_at: int,
) -> str:
    """Kibana's createJWTAssertion: an RS256 JWT with `sub, aud, iss, iat, exp` and `kid`."""
    key = _load_private_key(private_key, passphrase)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        raise _jwt_failure('"alg" parameter for "ec" key type must be one of: ES256, ES384, ES512.')
    if not isinstance(key, rsa.RSAPrivateKey):
        raise _jwt_failure("secretOrPrivateKey must be an asymmetric key when using RS256")
    if key.key_size < 2048:
        raise _jwt_failure("secretOrPrivateKey has a minimum key size of 2048 bits for RS256")
    header = {"alg": "RS256", "typ": "JWT", "kid": key_id}
    payload = {
        "sub": user_identifier,
        "aud": client_id,
        "iss": client_id,
        "iat": issued_at,
        "exp": issued_at + JWT_LIFETIME_SECONDS,
    }
    signing_input = (
        f"{_base64url(_json_text(header).encode())}.{_base64url(_json_text(payload).encode())}"
    )
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_base64url(signature)}"


def _form(fields: dict[str, str]) -> str:
    """query-string's stringify: keys sorted, values encoded strictly (RFC 3986)."""
    return "&".join(
        f"{quote(key, safe='-_.~')}={quote(value, safe='-_.~')}"
        for key, value in sorted(fields.items())
    )


async def request_jwt_access_token(
    http: Outbound,
    token_url: str,
    *,
    client_id: str,
    client_secret: str,
    assertion: str,
) -> tuple[str, float]:
    """Kibana's requestOAuthJWTToken: `<token_type> <access_token>` and its lifetime (seconds)."""
    body = _form(
        {
            "assertion": assertion,
            "client_id": client_id,
            "client_secret": client_secret,
            "grant_type": JWT_BEARER_GRANT_TYPE,
        }
    )
    try:
        response = await http.request(
            "POST",
            token_url,
            headers={"content-type": "application/x-www-form-urlencoded; charset=UTF-8"},
            content=body,
        )
        status, data = response.status, axios_data(response.content)
    except OutboundError as exc:
        if exc.response is None:
            raise ServiceNowFailure(exc.message) from None
        status, data = exc.response.status, axios_data(exc.response.content)
    except HostNotAllowed as exc:
        raise ServiceNowFailure(str(exc)) from None
    if status != 200:
        # Kibana accepts every status here and throws json-stable-stringify of the body.
        raise ServiceNowFailure(
            json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        )
    token_type, access_token = prop(data, "token_type"), prop(data, "access_token")
    authorization = f"{js_string_coercion(token_type)} {js_string_coercion(access_token)}"
    # Kibana's updateOrReplace takes an hour when the answer names no lifetime (`?? 3600`).
    given = prop(data, "expires_in")
    expires_in = None if given is None or given is UNDEFINED else js_number_coercion(given)
    return authorization, TOKEN_LIFETIME_SECONDS if expires_in is None else expires_in
