"""letter: when the scheduler last failed to make a letter's PDF. The job takes the oldest letters without a
PDF, a batch a run; letters whose PDF cannot be made (their .docx gone, LibreOffice failing on them) were
tried first on every run, so a batch of them kept every newer letter from getting its PDF. They now wait
behind the letters that never failed.

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-25 03:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_failed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('pdf_failed_at')
