"""The errors of connectors and their runs, as one tree.

Our exception hierarchy:

* ActionsError
  + ValidationFailed - a config, secrets, connector or params value a type refuses.
  + SchemaError - a value @kbn/config-schema refuses (params, external answers).
  + SecretsUnreadable - stored secrets that the configured key cannot open.
  + HostNotAllowed - a URL or host outside xpack.actions.allowedHosts.
  + OutboundError - a failed call to an external system, in axios's words.
  + TemplateError - a mustache template that does not parse.
  + ConnectorError - a run that failed: the result's `service_message`.
  + JiraFailure - what Kibana's Jira service throws (types/jira).
  + ServiceNowFailure - a failed step of a ServiceNow call (types/servicenow_api).
  + _Failure - a failed step of a Webhook - Case Management push (types/cases_webhook).

The last three belong to their connector types, which define them and turn them into a
ConnectorError before a run ends. None of them is an HTTP error: the Actions service
answers with `kibana.errors`, and a run's failure is reported in its execute result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opencases.connectors.outbound import OutboundResponse


class ActionsError(Exception):
    """Any error of connectors and their runs (Kibana's actions plugin); `message` is its text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(ActionsError):
    """A config, secrets, connector or params value a type refuses (message without prefix)."""


class SchemaError(ActionsError):
    """A value config-schema refuses; `str()` is config-schema's ValidationError message."""

    def __init__(
        self,
        path: tuple[str | int, ...],
        message: str,
        children: tuple[SchemaError, ...] = (),
    ) -> None:
        super().__init__(message)
        self.path = path
        self.children = children

    def describe(self, level: int = 0) -> str:
        """The message with its path, and a union's failed members indented below it."""
        text = self.message + "".join(
            f"\n{' ' * level}- {child.describe(level + 1)}" for child in self.children
        )
        if not self.path:
            return text
        return f"[{'.'.join(str(key) for key in self.path)}]: {text}"

    def __str__(self) -> str:
        return self.describe()


class SecretsUnreadable(ActionsError):
    """Stored secrets that cannot be decrypted (no key, another key, or altered)."""


class HostNotAllowed(ActionsError):
    """A URL or host name outside xpack.actions.allowedHosts."""


class OutboundError(ActionsError):
    """A failed outbound call, worded as axios words it."""

    def __init__(
        self, message: str, *, response: OutboundResponse | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.response = response
        self.code = code


class TemplateError(ActionsError):
    """A template mustache.js refuses to parse (its message is mustache.js's)."""


class ConnectorError(ActionsError):
    """A run that failed: its message becomes the result's `service_message`.

    `user` marks a failure caused by what the user configured or sent (Kibana's
    `errorSource: "user"`); any other is the framework's.
    """

    def __init__(self, message: str, *, user: bool = False) -> None:
        super().__init__(message)
        self.user = user
