"""public summary of a report: the reviewed text the public may read (the citizen's own words never are)

Revision ID: 0018
Revises: 0010
Create Date: 2026-11-24 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('portal_report') as batch:
        batch.add_column(sa.Column('public_summary', sa.Text(), nullable=True))
        batch.add_column(sa.Column('public_summary_by', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('public_summary_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('portal_report') as batch:
        batch.drop_column('public_summary_at')
        batch.drop_column('public_summary_by')
        batch.drop_column('public_summary')
