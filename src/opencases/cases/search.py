"""Finding cases: Kibana's _find and _search filters, full-text search, sorting and paging."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
from msgspec import UNSET

from opencases.cases import datemath
from opencases.kibana.errors import BadRequest
from opencases.kibana.time import format_time
from opencases.kibana.validation import given

# Kibana stores status and severity as numbers so that they sort by rank, not by name.
_RANK = {
    "status": "CASE c.status WHEN 'open' THEN 0 WHEN 'in-progress' THEN 10 ELSE 20 END",
    "severity": (
        "CASE c.severity WHEN 'low' THEN 0 WHEN 'medium' THEN 10 WHEN 'high' THEN 20 ELSE 30 END"
    ),
}
_SORT_COLUMNS = {
    "title": "c.title",
    "category": "c.category",
    "createdAt": "c.created_at",
    "updatedAt": "c.updated_at",
    "closedAt": "c.closed_at",
    **_RANK,
}
_INCREMENTAL_ID = re.compile(r"#?(\d{1,18})")
_WORD = re.compile(r"\w+")


def listed(value: Any) -> list[Any]:
    """A query value that may be one item or several, as a list (UNSET: empty)."""
    value = given(value, [])
    return list(value) if isinstance(value, list) else [value]


@dataclass(slots=True, kw_only=True)
class CaseFilter:
    """What a _find or _search asks for, normalized."""

    owners: list[str]
    tags: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    created_from: str | None = None
    created_to: str | None = None
    search: str | None = None
    search_fields: list[str] = field(default_factory=list)
    search_operator: str = "OR"
    custom_fields: dict[str, list[Any]] = field(default_factory=dict)

    def key(self) -> tuple[Any, ...]:
        """The filter as a hashable cache key."""
        return (
            tuple(self.owners),
            tuple(self.tags),
            tuple(self.statuses),
            tuple(self.severities),
            tuple(self.assignees),
            tuple(self.reporters),
            tuple(self.categories),
            self.created_from,
            self.created_to,
            self.search,
            tuple(self.search_fields),
            self.search_operator,
            tuple((key, tuple(values)) for key, values in sorted(self.custom_fields.items())),
        )


def date_range(created_from: Any, created_to: Any) -> tuple[str | None, str | None]:
    """`from` and `to` as stored timestamps, or Kibana's 400 when one is not a date."""
    now = datetime.now(UTC)
    try:
        start = None if created_from is UNSET else datemath.parse(created_from, now=now)
        end = None if created_to is UNSET else datemath.parse(created_to, now=now, round_up=True)
    except (datemath.InvalidDate, ValueError, OverflowError):
        raise BadRequest('Invalid "from" and/or "to" query parameters') from None
    return (
        None if start is None else format_time(start),
        None if end is None else format_time(end),
    )


def _words(text: str) -> list[tuple[str, bool]]:
    """The search text's words (lower-cased), each with whether it ends in `*` (a prefix)."""
    words: list[tuple[str, bool]] = []
    for term in text.split():
        prefix = term.endswith("*")
        found = _WORD.findall(term.lower())
        words.extend((word, prefix and index == len(found) - 1) for index, word in enumerate(found))
    return words


class Query:
    """SQL conditions and their parameters, built for one dialect."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.conditions: list[str] = []
        self.params: dict[str, Any] = {}

    def param(self, value: Any) -> str:
        """A placeholder for `value`."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def values(self, values: Sequence[Any]) -> str:
        """Placeholders for `IN (...)` (NULL, which matches nothing, when there are none)."""
        # A text holding U+0000 matches nothing stored (PostgreSQL cannot even compare it).
        kept = [value for value in values if not (isinstance(value, str) and "\x00" in value)]
        return ", ".join(self.param(value) for value in kept) or "NULL"

    def where(self) -> str:
        """The conditions joined with AND."""
        return " AND ".join(self.conditions) or "1 = 1"


def build(
    query: Query, *, space_id: str, case_filter: CaseFilter, with_status: bool = True
) -> Query:
    """Add the conditions of `case_filter` (but the status one unless `with_status`)."""
    f = case_filter
    add = query.conditions.append
    add(f"c.space_id = {query.param(space_id)}")
    add(f"c.owner IN ({query.values(f.owners)})" if f.owners else "1 = 0")
    if with_status and f.statuses:
        add(f"c.status IN ({query.values(f.statuses)})")
    if f.severities:
        add(f"c.severity IN ({query.values(f.severities)})")
    if f.categories:
        add(f"c.category IN ({query.values(f.categories)})")
    if f.tags:
        add(
            "EXISTS (SELECT 1 FROM case_tags t WHERE t.case_id = c.id"
            f" AND t.tag IN ({query.values(f.tags)}))"
        )
    if f.assignees:
        add(_assignees_condition(query, f.assignees))
    if f.reporters:
        reporters = query.values(f.reporters)
        add(f"(c.reporter IN ({reporters}) OR c.reporter_profile_uid IN ({reporters}))")
    if f.created_from is not None:
        add(f"c.created_at >= {query.param(f.created_from)}")
    if f.created_to is not None:
        add(f"c.created_at <= {query.param(f.created_to)}")
    for key, values in f.custom_fields.items():
        add(_custom_field_condition(query, key, values))
    if f.search:
        add(_search_condition(query, f))
    return query


def _assignees_condition(query: Query, assignees: Sequence[str]) -> str:
    """Cases assigned to any of `assignees`; `none` stands for cases assigned to nobody."""
    uids = [uid for uid in assignees if uid != "none"]
    either = []
    if uids:
        either.append(
            "EXISTS (SELECT 1 FROM case_assignees a WHERE a.case_id = c.id"
            f" AND a.uid IN ({query.values(uids)}))"
        )
    if "none" in assignees:
        either.append("NOT EXISTS (SELECT 1 FROM case_assignees a WHERE a.case_id = c.id)")
    return f"({' OR '.join(either)})"


def _custom_field_condition(query: Query, key: str, values: Sequence[Any]) -> str:
    """Kibana's buildCustomFieldsFilter for one key: any of `values`; [] means the key is set."""
    if query.dialect == "postgresql":
        element = (
            "EXISTS (SELECT 1 FROM jsonb_array_elements(c.custom_fields) e"
            f" WHERE e->>'key' = {query.param(key)} AND {{test}})"
        )
        value_sql = "e->'value'"
    else:
        element = (
            "EXISTS (SELECT 1 FROM json_each(c.custom_fields) e"
            f" WHERE json_extract(e.value, '$.key') = {query.param(key)} AND {{test}})"
        )
        value_sql = "json_extract(e.value, '$.value')"
    if not values:
        return element.format(test=f"{value_sql} IS NOT NULL")
    tests = []
    for value in values:
        if value is None:
            tests.append(
                f"{value_sql} IS NULL"
                if query.dialect != "postgresql"
                else "(e->'value' IS NULL OR e->'value' = 'null'::jsonb)"
            )
        elif query.dialect == "postgresql":
            tests.append(f"e->'value' = CAST({query.param(_json(value))} AS jsonb)")
        else:
            tests.append(
                f"{value_sql} = {query.param(int(value) if isinstance(value, bool) else value)}"
            )
    return element.format(test=f"({' OR '.join(tests)})")


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _search_condition(query: Query, f: CaseFilter) -> str:
    """Full-text search over the search fields, the case id (a UUID) and the case number."""
    assert f.search is not None
    text = f.search.strip()
    either: list[str] = []
    fields = [name for name in f.search_fields if name != "incremental_id.text"] or (
        [] if f.search_fields else ["title", "description"]
    )
    number = _INCREMENTAL_ID.fullmatch(text)
    # Kibana's UI turns `#123` into a search of the case numbers: the server does it here.
    if number and (text.startswith("#") or "incremental_id.text" in f.search_fields):
        either.append(f"c.incremental_id = {query.param(int(number.group(1)))}")
        if text.startswith("#"):
            fields = []
    if _is_uuid(text):
        either.append(f"c.id = {query.param(text)}")
    words = _words(text)
    if fields and words:
        either.append(_full_text(query, fields, words, f.search_operator))
    return f"({' OR '.join(either)})" if either else "1 = 0"


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# The expressions migration 0007 indexes: one field's words, or both fields' (the key ()).
_VECTORS: dict[tuple[str, ...], str] = {
    ("title",): "to_tsvector('simple', c.title)",
    ("description",): "to_tsvector('simple', c.description)",
    (): "(to_tsvector('simple', c.title) || to_tsvector('simple', c.description))",
}


def _full_text(
    query: Query, fields: Sequence[str], words: Sequence[tuple[str, bool]], operator: str
) -> str:
    if query.dialect == "postgresql":
        join = " & " if operator == "AND" else " | "
        terms = join.join(
            "'" + word.replace("'", "''") + "'" + (":*" if prefix else "") for word, prefix in words
        )
        vector = _VECTORS.get(tuple(dict.fromkeys(fields)), _VECTORS[()])
        return f"{vector} @@ to_tsquery('simple', {query.param(terms)})"
    join = " AND " if operator == "AND" else " OR "
    terms = join.join(f'"{word}"' + ("*" if prefix else "") for word, prefix in words)
    columns = " ".join(dict.fromkeys(fields))
    match = f"{{{columns}}} : ({terms})"
    return f"c.seq IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH {query.param(match)})"


def order_by(sort_field: Any, sort_order: Any) -> str:
    """ORDER BY for Kibana's sortField and sortOrder; missing values last, as Elasticsearch."""
    column = _SORT_COLUMNS[given(sort_field, "createdAt")]
    direction = "ASC" if sort_order == "asc" else "DESC"
    return f"({column}) IS NULL, {column} {direction}, c.seq {direction}"
