"""Authentication, users, roles, API keys and authorization, as Kibana has them."""
