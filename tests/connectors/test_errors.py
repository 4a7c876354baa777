"""The connector errors form the one tree `opencases.connectors.errors` draws."""

from __future__ import annotations

import re

from opencases.connectors import errors
from opencases.connectors.errors import ActionsError
from opencases.connectors.types import cases_webhook
from opencases.connectors.types.jira._client import JiraFailure
from opencases.connectors.types.servicenow_api import ServiceNowFailure


def test_every_error_the_docstring_draws_is_an_actions_error_with_its_message() -> None:
    drawn = re.findall(r"^  \+ (\w+) - ", errors.__doc__ or "", re.MULTILINE)
    defined_elsewhere = {
        "JiraFailure": JiraFailure,
        "ServiceNowFailure": ServiceNowFailure,
        "_Failure": cases_webhook._Failure,
    }
    classes = [defined_elsewhere.get(name) or getattr(errors, name) for name in drawn]
    assert [cls.__name__ for cls in classes] == drawn
    assert all(cls.__bases__ == (ActionsError,) for cls in classes)
    assert ActionsError.__bases__ == (Exception,)
    assert ActionsError("a failure").message == "a failure"


def test_the_module_defines_no_error_the_docstring_leaves_out() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    }
    drawn = set(re.findall(r"^[*+ ]+ (\w+)", errors.__doc__ or "", re.MULTILINE))
    assert defined <= drawn
