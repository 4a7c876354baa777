"""ServiceNow's failures in Kibana's words, and JavaScript's reading of its answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opencases.connectors.errors import ActionsError
from opencases.connectors.types.javascript import js_string_coercion
from opencases.kibana.validation import UNDEFINED


class ServiceNowFailure(ActionsError):
    """A failed step, with ServiceNow's answer when the failure was one (axios's error.response)."""

    def __init__(self, message: str, *, answer: Answer | None = None) -> None:
        super().__init__(message)
        self.answer = answer


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer's body as axios hands it over: parsed JSON, else the text ('' when empty)."""

    data: Any


def prop(value: Any, key: str | int) -> Any:
    """`value[key]` as JavaScript reads it: UNDEFINED where JavaScript gives undefined."""
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key, UNDEFINED)
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    if value is None or value is UNDEFINED:
        kind = "null" if value is None else "undefined"
        raise ServiceNowFailure(f"Cannot read properties of {kind} (reading '{key}')")
    return UNDEFINED


def error_reason(answer: Answer | None) -> str:
    """Kibana's createErrorMessage: ServiceNow's `error.message: error.detail`, or a fallback."""
    if answer is None or answer.data is None:
        return "unknown: errorResponse was null"
    error = prop(answer.data, "error")
    if error is None or error is UNDEFINED:
        return "unknown: no error in error response"
    message, detail = prop(error, "message"), prop(error, "detail")
    return f"{js_string_coercion(message)}: {js_string_coercion(detail)}"


def service_error(failure: ServiceNowFailure, action: str) -> ServiceNowFailure:
    """Kibana's createServiceError: `[Action][ServiceNow]: <action>. Error: ... Reason: ...`."""
    return ServiceNowFailure(
        f"[Action][ServiceNow]: {action}. Error: {failure.message} "
        f"Reason: {error_reason(failure.answer)}"
    )
