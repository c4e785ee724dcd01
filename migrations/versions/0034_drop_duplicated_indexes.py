"""drop two indexes another index already serves: every row written paid a B-tree insertion for each.

- `ix_audit_event_case_id` (case_id): the unique key `uq_audit_event_case_seq` (case_id, seq) starts with
  the same column, so every lookup by case (and the foreign key's checks) reads that one instead. A case
  writes about nine audit events.
- `ix_inbox_open_role` (state, role, priority, due_at): `ix_inbox_queue` (migration 0005) has the same
  columns and the task id, in the inbox's own order; every inbox query filters and sorts by its prefix.

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-25 02:00:00

"""
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_case_id'))
    with op.batch_alter_table('inbox_task', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_open_role')


def downgrade():
    with op.batch_alter_table('inbox_task', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_open_role', ['state', 'role', 'priority', 'due_at'], unique=False)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_case_id'), ['case_id'], unique=False)
