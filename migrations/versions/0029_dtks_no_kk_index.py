"""dtks: drop the index on no_kk. No query looks a DTKS row up by family card number (lookups go by
NIK, the primary key), and keeping the index cost every import a B-tree insertion per row (a third of
the write time of a province's 21,000,000-row first load).

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-24 13:20:00

"""
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dtks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dtks_no_kk'))


def downgrade():
    with op.batch_alter_table('dtks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dtks_no_kk'), ['no_kk'], unique=False)
