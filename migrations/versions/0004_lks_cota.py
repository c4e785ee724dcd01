"""LKS and COTA lines: applicants' resubmission links, the LKS register and its permits

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('applicant_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_applicant_link_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicant_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_applicant_link_token_hash'))
    )
    with op.batch_alter_table('applicant_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicant_link_case_id'), ['case_id'], unique=False)

    op.create_table('lks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_number', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=True),
    sa.Column('chairman', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lks')),
    sa.UniqueConstraint('legal_number', name=op.f('uq_lks_legal_number'))
    )
    with op.batch_alter_table('lks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lks_region_code'), ['region_code'], unique=False)

    op.create_table('lks_permit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lks_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('permit_type', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('letter_number', sa.String(length=80), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_lks_permit_case_id_case')),
    sa.ForeignKeyConstraint(['lks_id'], ['lks.id'], name=op.f('fk_lks_permit_lks_id_lks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lks_permit')),
    sa.UniqueConstraint('case_id', name=op.f('uq_lks_permit_case_id'))
    )
    with op.batch_alter_table('lks_permit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lks_permit_lks_id'), ['lks_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lks_permit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lks_permit_lks_id'))
    op.drop_table('lks_permit')
    with op.batch_alter_table('lks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lks_region_code'))
    op.drop_table('lks')
    with op.batch_alter_table('applicant_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicant_link_case_id'))
    op.drop_table('applicant_link')
