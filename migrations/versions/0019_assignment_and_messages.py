"""inbox candidates (every candidate role of a task, the users it names) and the messages cases wait for

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24 07:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'inbox_candidate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inbox_task_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=100), nullable=True),
        sa.Column('username', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['inbox_task_id'], ['inbox_task.id'],
                                name=op.f('fk_inbox_candidate_inbox_task_id_inbox_task')),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_inbox_candidate_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_candidate')),
    )
    op.create_index('ix_inbox_candidate_role', 'inbox_candidate', ['role', 'inbox_task_id'])
    op.create_index('ix_inbox_candidate_user', 'inbox_candidate', ['username', 'inbox_task_id'])
    op.create_index(op.f('ix_inbox_candidate_inbox_task_id'), 'inbox_candidate', ['inbox_task_id'])
    op.create_index(op.f('ix_inbox_candidate_case_id'), 'inbox_candidate', ['case_id'])
    op.create_table(
        'message_wait',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=200), nullable=False),
        sa.Column('prop', sa.String(length=100), nullable=True),
        sa.Column('value', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_message_wait_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_wait')),
    )
    op.create_index('ix_message_wait_lookup', 'message_wait', ['message', 'prop', 'value'])
    op.create_index(op.f('ix_message_wait_case_id'), 'message_wait', ['case_id'])


def downgrade():
    op.drop_table('message_wait')
    op.drop_table('inbox_candidate')
