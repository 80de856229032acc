"""members and guest links: who may do what in a workspace, and links that reach one thing

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 11:45:00

Records name who made them: map changes (actor_key, to bind undo to a person), data
versions (imported_by) and assessment rounds (opened_by). Every existing workspace gets one
owner, the local owner (`local`); when sign-in is
configured, the app hands workspaces owned only by `local` to the first administrator at
start (core.access.members.adopt_local_workspaces). Existing share links become expiring
links stored as hashes: a map's read-only key and an assessment round's link keep working for
14 days from the upgrade; respondents' personal keys are kept as hashes. A workshop
participant link made of a map number and a 6-digit passcode cannot be made safe (a passcode
that short can be guessed), so those are retired: the facilitator makes a new link.
"""
import hashlib
from datetime import datetime, timedelta, timezone
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KEEP_OLD_LINKS = timedelta(days=14)
MIGRATED_BY = 'the upgrade to sign-in'


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('person', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.Column('added_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_member_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('workspace_id', 'person', name=op.f('uq_member_workspace_id'))
    )
    op.create_index(op.f('ix_member_workspace_id'), 'member', ['workspace_id'], unique=False)
    op.create_table('guest_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('map_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('passcode_hash', sa.String(length=200), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['map_id'], ['journey_map.id'], name=op.f('fk_guest_link_map_id_journey_map'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['assessment_round.id'], name=op.f('fk_guest_link_round_id_assessment_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_guest_link_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guest_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_guest_link_token_hash'))
    )
    op.create_index(op.f('ix_guest_link_workspace_id'), 'guest_link', ['workspace_id'], unique=False)
    op.create_table('guest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('joined_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['guest_link.id'], name=op.f('fk_guest_link_id_guest_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guest')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_guest_token_hash'))
    )
    with op.batch_alter_table('map_change') as batch:
        batch.add_column(sa.Column('actor_key', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('dataset_version') as batch:
        batch.add_column(sa.Column('imported_by', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('assessment_round') as batch:
        batch.add_column(sa.Column('opened_by', sa.String(length=200), server_default='', nullable=False))
    _owners()
    _links()


def _owners() -> None:
    workspaces = sa.table('workspace', sa.column('id', sa.Integer()))
    members = sa.table(
        'member',
        sa.column('workspace_id', sa.Integer()),
        sa.column('person', sa.String()),
        sa.column('role', sa.String()),
        sa.column('name', sa.String()),
        sa.column('added_by', sa.String()),
    )
    connection = op.get_bind()
    for (workspace_id,) in connection.execute(sa.select(workspaces.c.id)).all():
        connection.execute(
            members.insert().values(
                workspace_id=workspace_id, person='local', role='owner', name='Local owner',
                added_by=MIGRATED_BY,
            )
        )


def _links() -> None:
    connection = op.get_bind()
    expires = datetime.now(timezone.utc).replace(tzinfo=None) + KEEP_OLD_LINKS
    links = sa.table(
        'guest_link',
        sa.column('workspace_id', sa.Integer()), sa.column('kind', sa.String()),
        sa.column('map_id', sa.Integer()), sa.column('round_id', sa.Integer()),
        sa.column('token_hash', sa.String()), sa.column('passcode_hash', sa.String()),
        sa.column('failed_attempts', sa.Integer()), sa.column('label', sa.String()),
        sa.column('created_by', sa.String()), sa.column('expires_at', sa.DateTime()),
    )
    maps = sa.table(
        'journey_map', sa.column('id', sa.Integer()), sa.column('workspace_id', sa.Integer()),
        sa.column('readonly_token', sa.String()), sa.column('passcode', sa.String()),
    )
    rounds = sa.table(
        'assessment_round', sa.column('id', sa.Integer()),
        sa.column('workspace_id', sa.Integer()), sa.column('token', sa.String()),
    )
    respondents = sa.table('respondent', sa.column('id', sa.Integer()), sa.column('token', sa.String()))

    def link(**values: object) -> None:
        connection.execute(links.insert().values(
            passcode_hash='', failed_attempts=0, label='Link from before sign-in',
            created_by=MIGRATED_BY, expires_at=expires, **values,
        ))

    for map_id, workspace_id, token in connection.execute(
        sa.select(maps.c.id, maps.c.workspace_id, maps.c.readonly_token)
    ).all():
        if token:
            link(workspace_id=workspace_id, kind='viewer', map_id=map_id, token_hash=_hash(token))
    connection.execute(maps.update().values(readonly_token='', passcode=''))
    for round_id, workspace_id, token in connection.execute(
        sa.select(rounds.c.id, rounds.c.workspace_id, rounds.c.token)
    ).all():
        link(workspace_id=workspace_id, kind='respondent', round_id=round_id, token_hash=_hash(token))
        connection.execute(rounds.update().where(rounds.c.id == round_id).values(token=_hash(token)))
    for respondent_id, token in connection.execute(sa.select(respondents.c.id, respondents.c.token)).all():
        connection.execute(
            respondents.update().where(respondents.c.id == respondent_id).values(token=_hash(token))
        )


def downgrade() -> None:
    """Downgrade schema (links and memberships are lost; old share links do not come back)."""
    with op.batch_alter_table('assessment_round') as batch:
        batch.drop_column('opened_by')
    with op.batch_alter_table('dataset_version') as batch:
        batch.drop_column('imported_by')
    with op.batch_alter_table('map_change') as batch:
        batch.drop_column('actor_key')
    op.drop_table('guest')
    op.drop_index(op.f('ix_guest_link_workspace_id'), table_name='guest_link')
    op.drop_table('guest_link')
    op.drop_index(op.f('ix_member_workspace_id'), table_name='member')
    op.drop_table('member')
