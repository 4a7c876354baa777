"""Cases: Kibana's cases, their activity (user actions), search and figures."""
