"""concurrency guards: versions, the map change's revision, one active data version, respondent
names unique ignoring case

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00

Existing rows start at version 1. A workspace that ended up with several active data versions
keeps its newest one active; respondents whose names differ only in case keep the first to join
as they are and get their id added to the name, so the new unique index can be built.
"""
from collections import defaultdict
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

VERSIONED = (('risk_state', 'version'), ('sticky_note', 'version'), ('respondent', 'answers_version'))
ACTIVE_INDEX = 'uq_dataset_version_one_active'
NAME_INDEX = 'uq_respondent_round_id_lower_name'


def upgrade() -> None:
    """Upgrade schema."""
    for table, column in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(column, sa.Integer(), server_default=sa.text('1'), nullable=False)
            )
    with op.batch_alter_table('map_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))

    _keep_newest_active()
    op.create_index(
        ACTIVE_INDEX,
        'dataset_version',
        ['workspace_id'],
        unique=True,
        sqlite_where=sa.text('is_active'),
        postgresql_where=sa.text('is_active'),
    )

    _rename_case_duplicates()
    op.create_index(NAME_INDEX, 'respondent', ['round_id', sa.text('lower(name)')], unique=True)


def _keep_newest_active() -> None:
    versions = sa.table(
        'dataset_version',
        sa.column('id', sa.Integer()),
        sa.column('workspace_id', sa.Integer()),
        sa.column('is_active', sa.Boolean()),
    )
    newest = (
        sa.select(sa.func.max(versions.c.id))
        .where(versions.c.is_active == sa.true())
        .group_by(versions.c.workspace_id)
    )
    op.execute(
        versions.update()
        .where(versions.c.is_active == sa.true(), versions.c.id.not_in(newest))
        .values(is_active=False)
    )


def _rename_case_duplicates() -> None:
    people = sa.table(
        'respondent',
        sa.column('id', sa.Integer()),
        sa.column('round_id', sa.Integer()),
        sa.column('name', sa.String()),
    )
    connection = op.get_bind()
    seen: dict[tuple[int, str], int] = defaultdict(int)
    rows = connection.execute(sa.select(people.c.id, people.c.round_id, people.c.name).order_by(people.c.id))
    for person_id, round_id, name in rows.all():
        key = (round_id, name.lower())
        seen[key] += 1
        if seen[key] > 1:
            suffix = f' ({person_id})'
            connection.execute(
                people.update()
                .where(people.c.id == person_id)
                .values(name=name[: 200 - len(suffix)] + suffix)
            )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(NAME_INDEX, table_name='respondent')
    op.drop_index(ACTIVE_INDEX, table_name='dataset_version')
    with op.batch_alter_table('map_change', schema=None) as batch_op:
        batch_op.drop_column('revision')
    for table, column in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
