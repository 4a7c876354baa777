"""The case lists' indexes: an owner's tags, categories and reporters read from an index.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Keep each tag's case owner beside it; index the lists by owner."""
    with op.batch_alter_table("case_tags") as batch:
        batch.add_column(sa.Column("owner", sa.Text(), nullable=False, server_default=""))
    op.execute(
        "UPDATE case_tags SET owner = (SELECT cases.owner FROM cases"
        " WHERE cases.id = case_tags.case_id)"
    )
    with op.batch_alter_table("case_tags") as batch:
        batch.alter_column("owner", server_default=None)
    op.create_index(
        "ix_case_tags_space_id_owner_tag", "case_tags", ["space_id", "owner", "tag"], unique=False
    )
    op.drop_index("ix_cases_space_id_category", table_name="cases")
    op.drop_index("ix_cases_space_id_reporter", table_name="cases")
    op.create_index(
        "ix_cases_space_id_owner_category", "cases", ["space_id", "owner", "category"], unique=False
    )
    op.create_index(
        "ix_cases_space_id_owner_reporter_created_at",
        "cases",
        ["space_id", "owner", "reporter", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    """The indexes of 0010."""
    op.drop_index("ix_cases_space_id_owner_reporter_created_at", table_name="cases")
    op.drop_index("ix_cases_space_id_owner_category", table_name="cases")
    op.create_index("ix_cases_space_id_reporter", "cases", ["space_id", "reporter"], unique=False)
    op.create_index("ix_cases_space_id_category", "cases", ["space_id", "category"], unique=False)
    op.drop_index("ix_case_tags_space_id_owner_tag", table_name="case_tags")
    with op.batch_alter_table("case_tags") as batch:
        batch.drop_column("owner")
