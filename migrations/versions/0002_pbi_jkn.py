"""PBI-JKN line: issued letters, case documents and their downloads, person-view log, DTKS, task assignee

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbox_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee', sa.String(length=100), nullable=True))

    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('letter_type', sa.String(length=40), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('holder_name_masked', sa.String(length=200), nullable=False),
    sa.Column('holder_nik_masked', sa.String(length=20), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('docx_key', sa.String(length=200), nullable=False),
    sa.Column('pdf_key', sa.String(length=200), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=100), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_letter_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter')),
    sa.UniqueConstraint('number', name=op.f('uq_letter_number')),
    sa.UniqueConstraint('token', name=op.f('uq_letter_token'))
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_letter_type'), ['letter_type'], unique=False)

    op.create_table('case_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_document_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_document')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_case_document_storage_key'))
    )
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_document_case_id'), ['case_id'], unique=False)

    op.create_table('file_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('variant', sa.String(length=10), nullable=True),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('accessed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_file_access_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_access'))
    )
    with op.batch_alter_table('file_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_file_access_case_id'), ['case_id'], unique=False)

    op.create_table('person_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('context', sa.String(length=100), nullable=False),
    sa.Column('viewed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_view'))
    )
    with op.batch_alter_table('person_view', schema=None) as batch_op:
        batch_op.create_index('ix_person_view_nik_at', ['nik', 'viewed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_view_username'), ['username'], unique=False)

    op.create_table('dtks',
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('no_kk', sa.String(length=16), nullable=False),
    sa.Column('nama', sa.String(length=200), nullable=False),
    sa.Column('alamat', sa.String(length=500), nullable=True),
    sa.Column('kode_wilayah', sa.String(length=20), nullable=True),
    sa.Column('desil', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('nik', name=op.f('pk_dtks'))
    )
    with op.batch_alter_table('dtks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dtks_no_kk'), ['no_kk'], unique=False)


def downgrade():
    op.drop_table('dtks')
    op.drop_table('person_view')
    op.drop_table('file_access')
    op.drop_table('case_document')
    op.drop_table('letter')
    with op.batch_alter_table('inbox_task', schema=None) as batch_op:
        batch_op.drop_column('assignee')
