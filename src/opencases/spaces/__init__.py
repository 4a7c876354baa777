"""Kibana spaces: the Spaces API and the space every request acts in."""
