"""Connectors: Kibana's Actions API, the connector types and their outbound calls."""
