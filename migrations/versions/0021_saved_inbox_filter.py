"""saved inbox filters: an officer's named filters of the inbox (service line, region, category, due)

Revision ID: 0021
Revises: 0014
Create Date: 2026-11-24 08:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_inbox_filter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('line', sa.String(length=64), nullable=True),
        sa.Column('region_code', sa.String(length=20), nullable=True),
        sa.Column('category', sa.String(length=100), nullable=True),
        sa.Column('due', sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_inbox_filter')),
        sa.UniqueConstraint('username', 'name', name='uq_saved_inbox_filter_username'),
    )
    op.create_index(op.f('ix_saved_inbox_filter_username'), 'saved_inbox_filter', ['username'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_saved_inbox_filter_username'), table_name='saved_inbox_filter')
    op.drop_table('saved_inbox_filter')
