"""Photos of paper worksheets waiting to be read, reviewed and added to a class map.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'paper_sheet',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), server_default='waiting', nullable=False),
        sa.Column('sheet', sa.Integer(), nullable=True),
        sa.Column('problem', sa.Text(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True),
                  server_default=sa.text("date_trunc('hour', now())"), nullable=False),
        sa.Column('photo', sa.LargeBinary(), nullable=True),
        sa.Column('keep_photo', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('rectified', sa.LargeBinary(), nullable=True),
        sa.Column('zones', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('pupil_map_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['pupil_map_id'], ['pupil_map.id'],
                                name=op.f('fk_paper_sheet_pupil_map_id_pupil_map'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['mapping_session.id'],
                                name=op.f('fk_paper_sheet_session_id_mapping_session'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_sheet')))
    op.create_index(op.f('ix_paper_sheet_pupil_map_id'), 'paper_sheet', ['pupil_map_id'])
    op.create_index(op.f('ix_paper_sheet_session_id'), 'paper_sheet', ['session_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_paper_sheet_session_id'), table_name='paper_sheet')
    op.drop_index(op.f('ix_paper_sheet_pupil_map_id'), table_name='paper_sheet')
    op.drop_table('paper_sheet')
