"""dashboard snapshot: closed cases' durations as daily log-spaced histograms (dash_duration_day), what is
open now (dash_open_task, dash_open_case, dash_snapshot_state, taken by the scheduler) and an index on
case (bidang, completed) for a head of bidang's live figures

Revision ID: 0025
Revises: 0021
Create Date: 2026-11-24 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None



def _keys():
    return [
        sa.Column('process_definition_id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.String(length=100), nullable=False),
        sa.Column('category', sa.String(length=100), nullable=True),
        sa.Column('region_code', sa.String(length=20), nullable=True),
        sa.Column('bidang', sa.String(length=40), nullable=True),
    ]


def upgrade():
    op.create_table(
        'dash_duration_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_keys(),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('closed', sa.Integer(), nullable=False),
        sa.Column('seconds_sum', sa.Float(), nullable=False),
        sa.Column('seconds_max', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_duration_day')),
    )
    op.create_index('ix_dash_duration_day_day', 'dash_duration_day', ['day'], unique=False)
    op.create_table(
        'dash_open_task',
        sa.Column('id', sa.Integer(), nullable=False),
        *_keys(),
        sa.Column('task_name', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.Column('overdue', sa.Integer(), nullable=False),
        sa.Column('age_sum', sa.Float(), nullable=False),
        sa.Column('age_max', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_open_task')),
    )
    op.create_table(
        'dash_open_case',
        sa.Column('id', sa.Integer(), nullable=False),
        *_keys(),
        sa.Column('open_cases', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_open_case')),
    )
    op.create_table(
        'dash_snapshot_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_snapshot_state')),
    )
    op.create_index('ix_case_bidang_completed', 'case', ['bidang', 'completed'], unique=False)


def downgrade():
    op.drop_index('ix_case_bidang_completed', table_name='case')
    op.drop_table('dash_snapshot_state')
    op.drop_table('dash_open_case')
    op.drop_table('dash_open_task')
    op.drop_index('ix_dash_duration_day_day', table_name='dash_duration_day')
    op.drop_table('dash_duration_day')
