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
