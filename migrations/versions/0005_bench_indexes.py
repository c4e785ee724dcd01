"""inbox queue index: open tasks of a role in inbox order (priority, due time), so the inbox's
first page is read from the index instead of sorting every open task of the role

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 10:15:00

"""
from alembic import op


revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None

# PostgreSQL stores the index in the inbox's order (priority DESC, due_at NULLS LAST); SQLite
# cannot declare NULLS LAST in an index and uses it for the role and state filter.
OPS = {"priority": "DESC", "due_at": "NULLS LAST"}


def upgrade():
    op.create_index('ix_inbox_queue', 'inbox_task', ['state', 'role', 'priority', 'due_at', 'id'],
                    unique=False, postgresql_ops=OPS)


def downgrade():
    op.drop_index('ix_inbox_queue', table_name='inbox_task')
