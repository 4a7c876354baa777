"""Kibana's API key routes: keys that act as the user who made them."""
