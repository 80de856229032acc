"""plan versions: every save of a workspace's health-score settings, with who and when

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 08:10:00

The newest version of a workspace is the plan it computes with (core/workspace/plan_versions.py).
Each existing workspace gets version 1 holding the settings it had (the workspace row's
`settings`), so every workspace has a current version and its numbers do not change.
"""
import json
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FIRST_NOTE = 'The settings the workspace had before versions were kept'


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('saved_by', sa.String(length=200), nullable=False),
    sa.Column('saved_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_plan_version_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('workspace_id', 'number', name=op.f('uq_plan_version_workspace_id'))
    )
    _first_versions()


def _first_versions() -> None:
    workspaces = sa.table(
        'workspace', sa.column('id', sa.Integer()), sa.column('settings', sa.JSON())
    )
    versions = sa.table(
        'plan_version',
        sa.column('workspace_id', sa.Integer()),
        sa.column('number', sa.Integer()),
        sa.column('plan', sa.JSON()),
        sa.column('saved_by', sa.String()),
        sa.column('note', sa.Text()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(workspaces.c.id, workspaces.c.settings)).all()
    for workspace_id, settings in rows:
        if isinstance(settings, str):  # a JSON column read without its type on some drivers
            settings = json.loads(settings)
        plan = {'settings': dict(settings or {}), 'signal_penalties': []}
        connection.execute(
            versions.insert().values(
                workspace_id=workspace_id, number=1, plan=plan, saved_by='', note=FIRST_NOTE
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('plan_version')
