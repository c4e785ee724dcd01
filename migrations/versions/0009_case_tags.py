"""case tags: searchable values a process puts on its case (tag_case), so count_cases can check a
quota or a daily capacity

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 05:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_tag',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_tag_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_tag')),
    )
    op.create_index(op.f('ix_case_tag_case_id'), 'case_tag', ['case_id'], unique=False)
    op.create_index('ix_case_tag_name_value', 'case_tag', ['name', 'value'], unique=False)


def downgrade():
    op.drop_index('ix_case_tag_name_value', table_name='case_tag')
    op.drop_index(op.f('ix_case_tag_case_id'), table_name='case_tag')
    op.drop_table('case_tag')
