"""Kibana's login, logout and session routes: the login page's way in."""
