"""Every security admin route: users and the current user, roles, API keys, profiles."""

from __future__ import annotations

from opencases.security.api_keys import routes as api_keys
from opencases.security.profiles import routes as profiles
from opencases.security.roles import routes as roles
from opencases.security.users import routes as users

ROUTES = [*users.ROUTES, *roles.ROUTES, *api_keys.ROUTES, *profiles.ROUTES]
