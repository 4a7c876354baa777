"""The analysts' web pages: a sign-in page and an application shell over the Kibana API."""
