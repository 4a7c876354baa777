"""Security as Kibana has it: the layer every domain uses, and the admin APIs above it.

The layer: `authentication` (who calls), `authorization` (what roles allow, per space and
feature), `grants` (the roles a caller has), `context` (what each handler receives),
`features`, `secrets` and `store` (users and API keys, and the roles' Kibana privileges).
The admin APIs use the layer and never the other way round: `users`, `roles`, `api_keys`,
`profiles` (each its schemas, service and routes), the rules they share in `admin`, and
every admin route in `routes`.
"""
