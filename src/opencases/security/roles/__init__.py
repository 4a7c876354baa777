"""Kibana's role routes: the roles whose Kibana privileges authorization grants."""
