"""Kibana's HTTP conventions, shared by every route."""
