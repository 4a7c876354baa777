"""Every route of the security admin APIs: users and the current user, roles, API keys."""

from __future__ import annotations

from opencases.security.api_keys import routes as api_keys
from opencases.security.roles import routes as roles
from opencases.security.users import routes as users

ROUTES = [*users.ROUTES, *roles.ROUTES, *api_keys.ROUTES]
