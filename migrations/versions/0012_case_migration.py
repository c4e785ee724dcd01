"""case migration: the runs that moved running cases from one package version to another, with
each case's outcome

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-24 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_migration',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('package_code', sa.String(length=60), nullable=False),
        sa.Column('from_version', sa.Integer(), nullable=False),
        sa.Column('to_version', sa.Integer(), nullable=False),
        sa.Column('filter_json', sa.Text(), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('selected', sa.Integer(), nullable=False),
        sa.Column('moved', sa.Integer(), nullable=False),
        sa.Column('not_moved', sa.Integer(), nullable=False),
        sa.Column('results_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_migration')),
    )
    op.create_index(op.f('ix_case_migration_package_code'), 'case_migration', ['package_code'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_case_migration_package_code'), table_name='case_migration')
    op.drop_table('case_migration')
