"""AppState: what one process holds between requests, typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opencases import db as database
from opencases.connectors.runtime import Connectors
from opencases.kibana.http import ApiRoute
from opencases.security.authentication import Authenticator
from opencases.security.sessions import Sessions
from opencases.settings import Settings
from opencases.spaces.service import SpaceCache


@dataclass(slots=True, kw_only=True)
class AppState:
    """The process's settings, caches, connector runtime, routes and (once started) database."""

    settings: Settings
    authenticator: Authenticator
    sessions: Sessions
    spaces: SpaceCache
    connectors: Connectors
    routes: list[ApiRoute] = field(default_factory=list)
    openapi: dict[str, Any] | None = None
    db: database.Database | None = None
