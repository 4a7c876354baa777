"""Case configurations and connector mappings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the case configuration tables."""
    op.create_table(
        "case_configurations",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("space_id", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("closure_type", sa.Text(), nullable=False),
        sa.Column("connector", JSON, nullable=False),
        sa.Column("connector_id", sa.Text(), nullable=False),
        sa.Column("custom_fields", JSON, nullable=False),
        sa.Column("templates", JSON, nullable=False),
        sa.Column("observable_types", JSON, nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.Column("updated_by", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_case_configurations_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_configurations")),
        sa.UniqueConstraint(
            "space_id", "owner", name=op.f("uq_case_configurations_space_id_owner")
        ),
    )
    op.create_table(
        "connector_mappings",
        sa.Column("space_id", sa.Text(), nullable=False),
        sa.Column("connector_id", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("mappings", JSON, nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_connector_mappings_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("space_id", "connector_id", name=op.f("pk_connector_mappings")),
    )


def downgrade() -> None:
    """Drop the case configuration tables."""
    op.drop_table("connector_mappings")
    op.drop_table("case_configurations")
