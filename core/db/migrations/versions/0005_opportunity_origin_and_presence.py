"""opportunity origin and map presence: where an idea came from, and who is in the room

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:20:00

Opportunities keep the sticky note, element and stage they came from (ids that go when those
are deleted, and the note's words, which stay). Existing opportunities have no origin on
record: they keep empty fields. `map_presence` holds one row per person with a map open, so
every screen can show who is connected whichever app process serves it.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('map_presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('map_id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('last_seen', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['map_id'], ['journey_map.id'], name=op.f('fk_map_presence_map_id_journey_map'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_presence')),
    sa.UniqueConstraint('map_id', 'person_key', name=op.f('uq_map_presence_map_id'))
    )
    with op.batch_alter_table('opportunity') as batch:
        batch.add_column(sa.Column('origin_note_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('origin_stage_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('origin_element', sa.String(length=60), server_default='', nullable=False))
        batch.add_column(sa.Column('origin_text', sa.Text(), server_default='', nullable=False))
        batch.create_foreign_key(
            op.f('fk_opportunity_origin_note_id_sticky_note'), 'sticky_note',
            ['origin_note_id'], ['id'], ondelete='SET NULL',
        )
        batch.create_foreign_key(
            op.f('fk_opportunity_origin_stage_id_stage'), 'stage',
            ['origin_stage_id'], ['id'], ondelete='SET NULL',
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('opportunity') as batch:
        batch.drop_constraint(op.f('fk_opportunity_origin_stage_id_stage'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_opportunity_origin_note_id_sticky_note'), type_='foreignkey')
        batch.drop_column('origin_text')
        batch.drop_column('origin_element')
        batch.drop_column('origin_stage_id')
        batch.drop_column('origin_note_id')
    op.drop_table('map_presence')
