"""The schema, as SQLAlchemy Core metadata: the source of the Alembic migrations."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# JSON is text on SQLite and jsonb on PostgreSQL; the db layer passes and returns it as text.
Json = JSON().with_variant(JSONB(), "postgresql")


def timestamp(name: str, *, nullable: bool = False) -> Column[str]:
    """A UTC time as fixed-width ISO 8601 text (sorts like the time it names)."""
    return Column(name, Text, nullable=nullable)


def space_id_column() -> Column[str]:
    """The space an object lives in; deleting the space deletes the object."""
    return Column("space_id", Text, ForeignKey("spaces.id", ondelete="CASCADE"), nullable=False)


spaces = Table(
    "spaces",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("color", Text),
    Column("initials", Text),
    Column("image_url", Text),
    Column("disabled_features", Json, nullable=False),
    Column("solution", Text),
    Column("revision", BigInteger, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
)

users = Table(
    "users",
    metadata,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("full_name", Text),
    Column("email", Text),
    Column("roles", Json, nullable=False),
    Column("metadata", Json, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("profile_uid", Text, nullable=False, unique=True),
    Column("revision", BigInteger, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
)

roles = Table(
    "roles",
    metadata,
    Column("name", Text, primary_key=True),
    Column("description", Text),
    Column("elasticsearch", Json, nullable=False),
    Column("kibana", Json, nullable=False),
    Column("metadata", Json, nullable=False),
    Column("revision", BigInteger, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("key_hash", Text, nullable=False),
    Column("username", Text, ForeignKey("users.username", ondelete="CASCADE"), nullable=False),
    timestamp("created_at"),
    timestamp("expiration", nullable=True),
    Column("invalidated", Boolean, nullable=False),
    timestamp("invalidated_at", nullable=True),
    # The request's role descriptors (None: it gave none, the key has its owner's privileges).
    Column("role_descriptors", Json),
    Index("ix_api_keys_username", "username"),
)

# Sessions of the login page (Kibana's `.kibana_security_session` index). The id is a
# digest of the cookie's value, which is never stored: the table alone opens no session.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("username", Text, ForeignKey("users.username", ondelete="CASCADE"), nullable=False),
    Column("provider_type", Text, nullable=False),
    Column("provider_name", Text, nullable=False),
    # A digest of the user's password hash at login: a new password ends the session.
    Column("password_stamp", Text, nullable=False),
    # Epoch milliseconds, as Kibana's; None: no such limit.
    Column("idle_expires_at", BigInteger),
    Column("lifespan_expires_at", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_sessions_username", "username"),
)

# One row (id 1): a counter bumped in the transaction of every change that must end what
# processes remember of credentials and spaces (see db.database.bump_security_epoch).
security_epoch = Table(
    "security_epoch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("epoch", BigInteger, nullable=False),
)

case_configurations = Table(
    "case_configurations",
    metadata,
    Column("id", Text, primary_key=True),
    space_id_column(),
    Column("owner", Text, nullable=False),
    Column("closure_type", Text, nullable=False),
    Column("connector", Json, nullable=False),
    # The connector's id again, to join its mappings without reading JSON in SQL.
    Column("connector_id", Text, nullable=False),
    Column("custom_fields", Json, nullable=False),
    Column("templates", Json, nullable=False),
    Column("observable_types", Json, nullable=False),
    Column("revision", BigInteger, nullable=False),
    timestamp("created_at"),
    Column("created_by", Json, nullable=False),
    timestamp("updated_at", nullable=True),
    Column("updated_by", Json),
    # Kibana keeps one configuration per owner in a space; here the database enforces it.
    UniqueConstraint("space_id", "owner"),
)

connector_mappings = Table(
    "connector_mappings",
    metadata,
    space_id_column(),
    Column("connector_id", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("mappings", Json, nullable=False),
    Column("revision", BigInteger, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
    PrimaryKeyConstraint("space_id", "connector_id"),
)

connectors = Table(
    "connectors",
    metadata,
    # Kibana's connector ids are unique across spaces (a `multiple-isolated` saved object).
    Column("id", Text, primary_key=True),
    space_id_column(),
    Column("name", Text, nullable=False),
    Column("connector_type_id", Text, nullable=False),
    Column("config", Json, nullable=False),
    # AES-GCM envelope of the secrets JSON (see connectors/crypto.py); NULL: no secrets.
    Column("secrets", Text),
    Column("revision", BigInteger, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
    Index("ix_connectors_space_id", "space_id"),
)

connector_tokens = Table(
    "connector_tokens",
    metadata,
    # Kibana's connector_token saved objects: an OAuth access token kept between runs.
    Column("connector_id", Text, primary_key=True),
    # The space of the run that got it (a preconfigured connector runs in any space).
    space_id_column(),
    # AES-GCM envelope of the token (see connectors/crypto.py).
    Column("token", Text, nullable=False),
    timestamp("expires_at"),
    timestamp("created_at"),
    timestamp("updated_at"),
)

# Cases: Kibana's `cases` saved objects, one row each. The integer `seq` is the row's
# address for the full-text index (SQLite FTS5 indexes rowids; see migration 0007); `id`
# is the case id of the API.
cases = Table(
    "cases",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("id", Text, nullable=False, unique=True),
    space_id_column(),
    Column("owner", Text, nullable=False),
    # The case number in its space, given at creation (case_counters), never reused.
    Column("incremental_id", BigInteger, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("tags", Json, nullable=False),
    Column("status", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("connector", Json, nullable=False),
    Column("connector_id", Text, nullable=False),
    Column("settings", Json, nullable=False),
    Column("assignees", Json, nullable=False),
    Column("category", Text),
    Column("custom_fields", Json, nullable=False),
    Column("observables", Json, nullable=False),
    Column("external_service", Json),
    # The status figures Kibana adds on the first status change (in_progress_at,
    # time_to_*): absent keys stay absent in the answer, so they are kept as one object.
    Column("timing", Json, nullable=False),
    Column("duration", BigInteger),
    timestamp("closed_at", nullable=True),
    Column("closed_by", Json),
    timestamp("created_at"),
    Column("created_by", Json, nullable=False),
    # The reporter again, for the reporters filter and list without reading JSON in SQL.
    Column("reporter", Text, nullable=False),
    Column("reporter_profile_uid", Text),
    timestamp("updated_at", nullable=True),
    Column("updated_by", Json),
    Column("total_comments", BigInteger, nullable=False),
    Column("total_alerts", BigInteger, nullable=False),
    Column("user_action_count", BigInteger, nullable=False),
    Column("revision", BigInteger, nullable=False),
    UniqueConstraint("space_id", "incremental_id"),
    Index("ix_cases_space_id_created_at", "space_id", "created_at"),
    Index("ix_cases_space_id_updated_at", "space_id", "updated_at"),
    Index("ix_cases_space_id_owner_status", "space_id", "owner", "status"),
    Index("ix_cases_space_id_severity", "space_id", "severity"),
    # The lists of an owner's categories and reporters are read from these alone.
    Index("ix_cases_space_id_owner_category", "space_id", "owner", "category"),
    Index(
        "ix_cases_space_id_owner_reporter_created_at", "space_id", "owner", "reporter", "created_at"
    ),
    Index("ix_cases_space_id_connector_id", "space_id", "connector_id"),
)

# A case's tags and assignees again, one row each: what the filters and lists search.
case_tags = Table(
    "case_tags",
    metadata,
    Column("case_id", Text, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    space_id_column(),
    # The case's, which never changes: the tags of some owners are read without the case.
    Column("owner", Text, nullable=False),
    Column("tag", Text, nullable=False),
    PrimaryKeyConstraint("case_id", "tag"),
    Index("ix_case_tags_space_id_tag", "space_id", "tag"),
    Index("ix_case_tags_space_id_owner_tag", "space_id", "owner", "tag"),
)

case_assignees = Table(
    "case_assignees",
    metadata,
    Column("case_id", Text, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    space_id_column(),
    Column("uid", Text, nullable=False),
    PrimaryKeyConstraint("case_id", "uid"),
    Index("ix_case_assignees_space_id_uid", "space_id", "uid"),
)

# The last case number given in each space (Kibana's cases-incrementing-id object).
case_counters = Table(
    "case_counters",
    metadata,
    Column("space_id", Text, ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
)

# Kibana's cases-user-actions: every change to a case, in the transaction that made it.
case_user_actions = Table(
    "case_user_actions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("case_id", Text, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    # The action's place in its case's history (1, 2, ...): the order of equal timestamps.
    Column("position", BigInteger, nullable=False),
    Column("owner", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("payload", Json, nullable=False),
    Column("comment_id", Text),
    # The attachment type of a `comment` action (its payload's comment.type), for filters.
    Column("comment_type", Text),
    timestamp("created_at"),
    Column("created_by", Json, nullable=False),
    UniqueConstraint("case_id", "position"),
)

# Kibana's cases-comments: a case's attachments of every type (user comments, alerts,
# actions, external references, persistable state), their own fields as one object.
case_comments = Table(
    "case_comments",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("id", Text, nullable=False, unique=True),
    Column("case_id", Text, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    space_id_column(),
    Column("owner", Text, nullable=False),
    Column("type", Text, nullable=False),
    # The registered type of an external reference or persistable state (`.files`, ...).
    Column("type_id", Text),
    Column("attributes", Json, nullable=False),
    # The attachment as the API answers it (JSON text, kept with every write): a case's
    # answer lists all its comments, spliced in without decoding them.
    Column("document", Text, nullable=False),
    # How many alert ids an alert attachment holds (Kibana's totalAlerts sums them).
    Column("alert_count", BigInteger, nullable=False),
    timestamp("created_at"),
    Column("created_by", Json, nullable=False),
    timestamp("pushed_at", nullable=True),
    Column("pushed_by", Json),
    timestamp("updated_at", nullable=True),
    Column("updated_by", Json),
    Column("revision", BigInteger, nullable=False),
    Index("ix_case_comments_case_id_created_at", "case_id", "created_at"),
)

# Each alert id of an alert attachment, one row each: what GET /api/cases/alerts/{id} finds.
case_alerts = Table(
    "case_alerts",
    metadata,
    Column("comment_id", Text, ForeignKey("case_comments.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("case_id", Text, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    space_id_column(),
    Column("alert_id", Text, nullable=False),
    Column("alert_index", Text, nullable=False),
    PrimaryKeyConstraint("comment_id", "position"),
    Index("ix_case_alerts_space_id_alert_id", "space_id", "alert_id"),
    Index("ix_case_alerts_case_id", "case_id"),
)

# Kibana's Files service objects of the cases file kinds (<owner>FilesCases).
case_files = Table(
    "case_files",
    metadata,
    Column("id", Text, primary_key=True),
    Column("case_id", Text, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    space_id_column(),
    Column("owner", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("extension", Text, nullable=False),
    Column("mime_type", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("hashes", Json, nullable=False),
    timestamp("created"),
    timestamp("updated"),
    Column("created_by", Json, nullable=False),
    Index("ix_case_files_case_id", "case_id"),
)

# A file's bytes in pieces of at most 1 MiB, so neither upload nor download holds it whole.
case_file_chunks = Table(
    "case_file_chunks",
    metadata,
    Column("file_id", Text, ForeignKey("case_files.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("file_id", "position"),
)

# Who is pushing a case to a connector: one push at a time, so that two never create two
# incidents (Kibana can). A lock whose holder died ends at `expires_at`.
case_push_locks = Table(
    "case_push_locks",
    metadata,
    Column("case_id", Text, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("connector_id", Text, nullable=False),
    Column("holder", Text, nullable=False),
    timestamp("expires_at"),
    PrimaryKeyConstraint("case_id", "connector_id"),
)
