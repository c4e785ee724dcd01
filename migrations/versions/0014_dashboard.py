"""dashboard: the sequence flows each case took (process heatmap), the daily summaries of cases opened
and closed, tasks done and flows taken (dash_case_day, dash_task_day, dash_flow_day, dash_summary_state) and indexes the dashboard's period queries read (cases
opened / closed in a period, tasks completed in a period, letters per day)

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-24 07:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_flow',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('process_definition_id', sa.Integer(), nullable=False),
        sa.Column('flow_id', sa.String(length=100), nullable=False),
        sa.Column('taken_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_flow_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_flow')),
    )
    op.create_index(op.f('ix_case_flow_case_id'), 'case_flow', ['case_id'], unique=False)
    op.create_index('ix_case_flow_definition_taken', 'case_flow', ['process_definition_id', 'taken_at'],
                    unique=False)
    op.create_table(
        'dash_case_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('process_definition_id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.String(length=100), nullable=False),
        sa.Column('category', sa.String(length=100), nullable=True),
        sa.Column('region_code', sa.String(length=20), nullable=True),
        sa.Column('bidang', sa.String(length=40), nullable=True),
        sa.Column('opened', sa.Integer(), nullable=False),
        sa.Column('closed', sa.Integer(), nullable=False),
        sa.Column('closed_with_sla', sa.Integer(), nullable=False),
        sa.Column('closed_on_time', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_case_day')),
    )
    op.create_index('ix_dash_case_day_day', 'dash_case_day', ['day'], unique=False)
    op.create_table(
        'dash_task_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('process_definition_id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.String(length=100), nullable=False),
        sa.Column('task_name', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('category', sa.String(length=100), nullable=True),
        sa.Column('region_code', sa.String(length=20), nullable=True),
        sa.Column('bidang', sa.String(length=40), nullable=True),
        sa.Column('completed', sa.Integer(), nullable=False),
        sa.Column('with_due', sa.Integer(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_task_day')),
    )
    op.create_index('ix_dash_task_day_day', 'dash_task_day', ['day'], unique=False)
    op.create_table(
        'dash_flow_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('process_definition_id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.String(length=100), nullable=False),
        sa.Column('flow_id', sa.String(length=100), nullable=False),
        sa.Column('category', sa.String(length=100), nullable=True),
        sa.Column('region_code', sa.String(length=20), nullable=True),
        sa.Column('bidang', sa.String(length=40), nullable=True),
        sa.Column('taken', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_flow_day')),
    )
    op.create_index('ix_dash_flow_day_day', 'dash_flow_day', ['day'], unique=False)
    op.create_table(
        'dash_summary_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('through_day', sa.Date(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_summary_state')),
    )
    op.create_index('ix_case_created_at', 'case', ['created_at'], unique=False)
    op.create_index('ix_case_closed_at', 'case', ['closed_at'], unique=False)
    op.create_index('ix_inbox_completed_at', 'inbox_task', ['completed_at'], unique=False)
    op.create_index('ix_letter_issued_on', 'letter', ['issued_on'], unique=False)


def downgrade():
    op.drop_index('ix_letter_issued_on', table_name='letter')
    op.drop_index('ix_inbox_completed_at', table_name='inbox_task')
    op.drop_index('ix_case_closed_at', table_name='case')
    op.drop_index('ix_case_created_at', table_name='case')
    op.drop_table('dash_summary_state')
    op.drop_index('ix_dash_flow_day_day', table_name='dash_flow_day')
    op.drop_table('dash_flow_day')
    op.drop_index('ix_dash_task_day_day', table_name='dash_task_day')
    op.drop_table('dash_task_day')
    op.drop_index('ix_dash_case_day_day', table_name='dash_case_day')
    op.drop_table('dash_case_day')
    op.drop_index('ix_case_flow_definition_taken', table_name='case_flow')
    op.drop_index(op.f('ix_case_flow_case_id'), table_name='case_flow')
    op.drop_table('case_flow')
