"""The Jira connector (`.jira`): issues in a Jira project through Jira's REST API v2.

Follows Kibana's `stack_connectors/server/connector_types/jira/` (schema.ts, service.ts,
api.ts, index.ts) and the response checks of `actions/server/lib/axios_utils.ts`: the
type and its params (`_connector`), the connection and Kibana's words for its failures
(`_client`), the push (`_issues`) and what the project offers (`_metadata`).
"""

from opencases.connectors.types.jira._connector import CONNECTOR_TYPES, Jira

__all__ = ["CONNECTOR_TYPES", "Jira"]
