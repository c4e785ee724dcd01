"""report photos re-encoded off the request: portal_media keeps the upload as sent (raw_key, never
served) until the scheduler re-encodes it (storage_key, then set), and media_job is the queue

Revision ID: 0028
Revises: 0021
Create Date: 2026-11-24 10:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('portal_media') as batch:
        batch.alter_column('storage_key', existing_type=sa.String(length=200), nullable=True)
        batch.add_column(sa.Column('raw_key', sa.String(length=200), nullable=True))
        batch.create_unique_constraint('uq_portal_media_raw_key', ['raw_key'])
    op.create_table(
        'media_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('media_id', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('failed_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['media_id'], ['portal_media.id'], name='fk_media_job_media_id_portal_media'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_job')),
        sa.UniqueConstraint('media_id', name='uq_media_job_media_id'),
    )
    op.create_index(op.f('ix_media_job_next_try_at'), 'media_job', ['next_try_at'], unique=False)


def downgrade():
    # Photos not re-encoded yet have no file to serve: they cannot be kept without this revision.
    op.execute('DELETE FROM media_job')
    op.drop_index(op.f('ix_media_job_next_try_at'), table_name='media_job')
    op.drop_table('media_job')
    op.execute('DELETE FROM portal_media WHERE storage_key IS NULL')
    with op.batch_alter_table('portal_media') as batch:
        batch.drop_constraint('uq_portal_media_raw_key', type_='unique')
        batch.drop_column('raw_key')
        batch.alter_column('storage_key', existing_type=sa.String(length=200), nullable=False)
