"""ServiceNow's HTTP API as Kibana's ServiceNow connectors call it (`lib/servicenow/service.ts`).

Kibana words every failure as `[Action][ServiceNow]: <what>. Error: <axios message>
Reason: <ServiceNow's error>` and wraps a failed inner step again in the outer one's
words, so the texts built here nest the same way (`_failures`). The calls authenticate
with Basic or with OAuth (`_auth`: a JWT assertion exchanged for an access token), and
reach the incidents through the Table API or the Elastic application's Import Set API
(`_client`).
"""

from opencases.connectors.types.servicenow_api._auth import Credentials
from opencases.connectors.types.servicenow_api._client import (
    ITSM,
    SIR,
    Product,
    ServiceNow,
    pushed_date,
)
from opencases.connectors.types.servicenow_api._failures import ServiceNowFailure

__all__ = [
    "ITSM",
    "SIR",
    "Credentials",
    "Product",
    "ServiceNow",
    "ServiceNowFailure",
    "pushed_date",
]
