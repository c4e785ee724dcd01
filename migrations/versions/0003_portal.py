"""citizen portal: report location + idempotency key, report media, Open311 keys

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 09:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'portal_report',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('client_key', sa.String(length=80), nullable=True),
        sa.Column('source', sa.String(length=80), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('address', sa.Text(), nullable=True),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_portal_report_case_id_case'),
        sa.PrimaryKeyConstraint('case_id', name='pk_portal_report'),
        sa.UniqueConstraint('client_key', name='uq_portal_report_client_key'),
    )
    with op.batch_alter_table('portal_report', schema=None) as batch_op:
        batch_op.create_index('ix_portal_report_geo', ['latitude', 'longitude'], unique=False)

    op.create_table(
        'portal_media',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('media_type', sa.String(length=60), nullable=False),
        sa.Column('stored_name', sa.String(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_portal_media_case_id_case'),
        sa.PrimaryKeyConstraint('id', name='pk_portal_media'),
        sa.UniqueConstraint('stored_name', name='uq_portal_media_stored_name'),
    )
    with op.batch_alter_table('portal_media', schema=None) as batch_op:
        batch_op.create_index('ix_portal_media_case_id', ['case_id'], unique=False)

    op.create_table(
        'open311_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('key_prefix', sa.String(length=16), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_open311_key'),
        sa.UniqueConstraint('name', name='uq_open311_key_name'),
        sa.UniqueConstraint('key_hash', name='uq_open311_key_key_hash'),
    )


def downgrade():
    op.drop_table('open311_key')
    with op.batch_alter_table('portal_media', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_media_case_id')
    op.drop_table('portal_media')
    with op.batch_alter_table('portal_report', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_report_geo')
    op.drop_table('portal_report')
