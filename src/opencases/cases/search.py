"""Finding cases: Kibana's _find and _search filters, full-text search, sorting and paging."""

from __future__ import annotations

import re
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
# The sort columns that may be NULL (Elasticsearch puts missing values last).
_NULLABLE = {"c.category", "c.updated_at", "c.closed_at"}
# Sorted as Elasticsearch sorts keyword fields (title.keyword, category).
_KEYWORDS = {"c.title", "c.category"}
INCREMENTAL_ID = "incremental_id.text"
# What Kibana's UI reads as a case number (getIncrementalIdSearchOverrides), within a BIGINT.
_CASE_NUMBER = re.compile(r"#(\d{1,18})")
_DIGITS = re.compile(r"[0-9]{1,18}")
# The npm uuid package's validate(), which constructSearch uses.
_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    r"|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff",
    re.IGNORECASE,
)
# A quoted phrase (its closing quote may be missing), or a word.
_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')
# A term analysis keeps: one with a letter or a digit.
_WORD = re.compile(r"[^\W_]")


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
        start = _bound(created_from, now=now, round_up=False)
        end = _bound(created_to, now=now, round_up=True)
    except (ValueError, OverflowError, OSError):  # datemath.InvalidDate is a ValueError
        raise BadRequest('Invalid "from" and/or "to" query parameters') from None
    return start, end


def _bound(value: Any, *, now: datetime, round_up: bool) -> str | None:
    if value is UNSET:
        return None
    return format_time(datemath.parse(value, now=now, round_up=round_up))


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
    query: Query, *, space_id: str, case_filter: CaseFilter, for_counts: bool = False
) -> Query:
    """Add the conditions of `case_filter`; `for_counts`: all but status and search."""
    # Kibana counts the cases by status with the query's filters but its status and its
    # `search` (find.ts: getCaseStatusStats gets constructQueryOptions without them).
    f = case_filter
    add = query.conditions.append
    add(f"c.space_id = {query.param(space_id)}")
    add(f"c.owner IN ({query.values(f.owners)})" if f.owners else "1 = 0")
    statuses = [] if for_counts else f.statuses
    for column, values in [
        ("c.status", statuses),
        ("c.severity", f.severities),
        ("c.category", f.categories),
    ]:
        if values:
            add(f"{column} IN ({query.values(values)})")
    if f.tags:
        # From the tags' index to the cases, not a look-up per case of the space.
        add(
            f"c.id IN (SELECT t.case_id FROM case_tags t WHERE t.space_id = {query.param(space_id)}"
            f" AND t.tag IN ({query.values(f.tags)}))"
        )
    if f.assignees:
        add(_assignees_condition(query, f.assignees))
    if f.reporters:
        reporters = query.values(f.reporters)
        add(f"(c.reporter IN ({reporters}) OR c.reporter_profile_uid IN ({reporters}))")
    for bound, operator in [(f.created_from, ">="), (f.created_to, "<=")]:
        if bound is not None:
            add(f"c.created_at {operator} {query.param(bound)}")
    for key, values in f.custom_fields.items():
        add(_custom_field_condition(query, key, values))
    if f.search is not None and not for_counts:
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
        # `customFields:{key: K}`: the key is there, with a value or without.
        return element.format(test="1 = 1")
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
    """Kibana's `search`: full text over the search fields, the case id and the case number."""
    assert f.search is not None
    number = _CASE_NUMBER.fullmatch(f.search.strip())
    if number:
        # Kibana's UI sends `#123` as a search of the case numbers alone; OpenCases does it here.
        return f"c.incremental_id = {query.param(int(number.group(1)))}"
    fields = list(dict.fromkeys(f.search_fields)) or ["title", "description"]
    either: list[str] = []
    if _UUID.fullmatch(f.search):
        # constructSearch: a UUID is looked up as the case's saved object id too.
        either.append(f"c.id = {query.param(f.search)}")
    matched = _terms_condition(query, terms(f.search), fields, f.search_operator)
    if matched:
        either.append(matched)
    # simple_query_string matches nothing when no term is left after analysis.
    return f"({' OR '.join(either)})" if either else "1 = 0"


@dataclass(frozen=True, slots=True)
class Term:
    """A term of a simple_query_string: a word or a quoted phrase; `*` ends a prefix."""

    text: str
    prefix: bool = False

    @property
    def number(self) -> bool:
        """Whether the term may be a case number (incremental_id.text)."""
        return _DIGITS.fullmatch(self.text) is not None


def terms(search: str) -> list[Term]:
    """The words and quoted phrases of `search` that hold a letter or digit."""
    # Close to Elasticsearch's simple_query_string: its operators (`+ | - ( ) ~`) are not
    # read, and each term is matched as a phrase of the words the database's tokenizer
    # finds in it (`3.14`, `e-mail`), as the stored text was tokenized.
    found: list[Term] = []
    for match in _TERM.finditer(search):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            term = Term(phrase)
        else:
            stripped = word.rstrip("*")
            term = Term(stripped, prefix=stripped != word)
        if _WORD.search(term.text):
            found.append(term)
    return found


def _terms_condition(
    query: Query, found: Sequence[Term], fields: Sequence[str], operator: str
) -> str | None:
    """Every term (AND) or any term (OR) in one of `fields`; None when there are no terms."""
    if not found:
        return None
    text_fields = [name for name in fields if name != INCREMENTAL_ID]
    numbers = INCREMENTAL_ID in fields
    if operator != "AND":
        either = [_full_text(query, text_fields, found, "OR")] if text_fields else []
        either += [_number(query, term) for term in found if numbers and term.number]
        return " OR ".join(either) or None
    plain = [term for term in found if not (numbers and term.number)]
    every: list[str] = []
    if plain:
        every.append(_full_text(query, text_fields, plain, "AND") if text_fields else "1 = 0")
    for term in found:
        if numbers and term.number:
            either = [_full_text(query, text_fields, [term], "AND")] if text_fields else []
            every.append(f"({' OR '.join([*either, _number(query, term)])})")
    return " AND ".join(every)


def _number(query: Query, term: Term) -> str:
    """The case number as incremental_id.text (a text field of one word) matches the term."""
    if term.prefix:
        return f"CAST(c.incremental_id AS TEXT) LIKE {query.param(term.text + '%')}"
    return f"c.incremental_id = {query.param(int(term.text))}"


# The expressions migration 0007 indexes: one field's words, or both fields' (the key ()).
_VECTORS: dict[tuple[str, ...], str] = {
    ("title",): "to_tsvector('simple', c.title)",
    ("description",): "to_tsvector('simple', c.description)",
    (): "(to_tsvector('simple', c.title) || to_tsvector('simple', c.description))",
}


def _full_text(query: Query, fields: Sequence[str], found: Sequence[Term], operator: str) -> str:
    """The full-text index's match of the terms in `fields` (title, description)."""
    if query.dialect == "postgresql":
        join = " && " if operator == "AND" else " || "
        tsquery = join.join(_tsquery(query, term) for term in found)
        vector = _VECTORS.get(tuple(fields), _VECTORS[()])
        return f"{vector} @@ ({tsquery})"
    join = " AND " if operator == "AND" else " OR "
    phrases = join.join(
        '"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "") for term in found
    )
    match = f"{{{' '.join(fields)}}} : ({phrases})"
    return f"c.seq IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH {query.param(match)})"


def _tsquery(query: Query, term: Term) -> str:
    """PostgreSQL's tsquery of one term: its words as a phrase (of prefixes, with `*`)."""
    if not term.prefix:
        return f"phraseto_tsquery('simple', {query.param(term.text)})"
    quoted = term.text.replace("\\", "\\\\").replace("'", "''")
    lexeme = f"'{quoted}':*"
    return f"to_tsquery('simple', {query.param(lexeme)})"


def order_by(*, dialect: str, sort_field: Any, sort_order: Any) -> str:
    """ORDER BY for Kibana's sortField (createdAt by default) and sortOrder; missing values last."""
    column = _SORT_COLUMNS[given(sort_field, "createdAt")]
    nullable = column in _NULLABLE
    if dialect == "postgresql" and column in _KEYWORDS:
        # Elasticsearch sorts keywords by their bytes, not by the database's locale.
        column = f'{column} COLLATE "C"'
    # Kibana passes no default order to the saved objects find: Elasticsearch sorts a field
    # ascending then (getSortingParams leaves `order` undefined).
    direction = "DESC" if sort_order == "desc" else "ASC"
    order = f"{column} {direction}, c.seq {direction}"
    if nullable:
        return f"({column}) IS NULL, {order}"
    # A column that is never NULL sorts by its index alone (a sort of every match is what
    # made the default page slow).
    return order
