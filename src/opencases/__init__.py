"""OpenCases: a case-management server that speaks the Kibana Cases HTTP API."""

__version__ = "0.1.0"

# The Kibana HTTP API level OpenCases serves (reported by /api/status).
KIBANA_VERSION = "9.1.0"
