"""The one exception tree: each error knows its status; one handler renders Kibana's envelope."""

from __future__ import annotations

from http import HTTPStatus


class KibanaError(Exception):
    """An error answered as `{"statusCode", "error", "message", "attributes"?}`."""

    status_code = 500

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        attributes: dict[str, object] | None = None,
    ):
        self.message = message or HTTPStatus(self.status_code).phrase
        self.headers = headers or {}
        self.attributes = attributes
        super().__init__(self.message)

    @property
    def error(self) -> str:
        """The HTTP reason phrase, as Kibana's `error` field."""
        return HTTPStatus(self.status_code).phrase

    def body(self) -> dict[str, object]:
        """The Kibana error envelope (with `attributes` when the error carries some)."""
        body: dict[str, object] = {
            "statusCode": self.status_code,
            "error": self.error,
            "message": self.message,
        }
        if self.attributes is not None:
            body["attributes"] = self.attributes
        return body


class BadRequest(KibanaError):
    """400: the request is malformed or invalid."""

    status_code = 400


class Unauthorized(KibanaError):
    """401: no valid credentials."""

    status_code = 401

    def __init__(self, message: str | None = None, *, challenge: bool = True) -> None:
        # No challenge where a browser's page asks (the login and session routes): with
        # one, the browser would open its own password dialog over the page.
        headers = {"www-authenticate": 'Basic realm="kibana"'} if challenge else {}
        super().__init__(message, headers=headers)


class Forbidden(KibanaError):
    """403: authenticated, but not allowed."""

    status_code = 403


class NotFound(KibanaError):
    """404: the route or the object does not exist (or is not visible)."""

    status_code = 404


class MethodNotAllowed(KibanaError):
    """405: the route exists, the method does not."""

    status_code = 405


class NotAcceptable(KibanaError):
    """406: Kibana's answer to an update that changes nothing."""

    status_code = 406


class Conflict(KibanaError):
    """409: the object exists already, or changed since it was read."""

    status_code = 409


class RequestTimeout(KibanaError):
    """408: the body did not arrive in time (hapi's payload timeout)."""

    status_code = 408


class PayloadTooLarge(KibanaError):
    """413: the body is larger than the server accepts."""

    status_code = 413


class FailedDependency(KibanaError):
    """424: the external system a connector called refused (Kibana's push)."""

    status_code = 424


class InternalServerError(KibanaError):
    """500: an unexpected failure; the details go to the log, never to the client."""

    status_code = 500

    def __init__(self) -> None:
        super().__init__("An internal server error occurred.")


def saved_object_not_found(type_: str, id_: str) -> NotFound:
    """Kibana's saved-objects 404: `Saved object [type/id] not found`."""
    return NotFound(f"Saved object [{type_}/{id_}] not found")


def elasticsearch_error(kind: str, reason: str) -> str:
    """An Elasticsearch error as Kibana words it: `[<type>\\n\\tRoot causes:...]: <reason>`."""
    return f"[{kind}\n\tRoot causes:\n\t\t{kind}: {reason}]: {reason}"
