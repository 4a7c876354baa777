"""Kibana's user routes and the current user, over the users authentication checks."""
