"""Fuzzing: schemathesis against a real `opencases serve`, from the served `GET /api/oas`.

`python -m fuzz` is the bounded run of CI (SQLite, 30 examples per operation, a fixed
seed); `python -m fuzz --long` (`make fuzz`) runs longer on SQLite and PostgreSQL.
`python -m fuzz --help` lists the knobs.

Modules: `servers` (a fresh database and the server process on it), `fixtures` (objects
made before fuzzing, for the operations on an existing object), `logs` (what the server
wrote: its failures and the statuses it answered per operation), `__main__` (the runs and
their verdict).
"""
