"""Kibana's user profiles: each user's profile, found by uid, suggested by name."""
