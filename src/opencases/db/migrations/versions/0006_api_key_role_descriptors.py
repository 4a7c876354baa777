"""API keys keep the role descriptors they were created with.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add api_keys.role_descriptors (null: none given, the key has its owner's privileges)."""
    op.add_column("api_keys", sa.Column("role_descriptors", JSON, nullable=True))


def downgrade() -> None:
    """Drop api_keys.role_descriptors."""
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("role_descriptors")
