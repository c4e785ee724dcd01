"""designer's workbench: package drafts, the package history (published, rolled back), and a
rollback may publish an earlier content again (content hashes no longer unique per package/process)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'package_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=False),
        sa.Column('archive', sa.LargeBinary(), nullable=False),
        sa.Column('author', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_package_draft')),
        sa.UniqueConstraint('code', name='uq_package_draft_code'),
    )
    op.create_table(
        'package_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('data_json', sa.Text(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_package_event')),
        sa.UniqueConstraint('code', 'seq', name='uq_package_event_code_seq'),
    )
    op.create_index(op.f('ix_package_event_code'), 'package_event', ['code'], unique=False)
    with op.batch_alter_table('service_package') as batch_op:
        batch_op.drop_constraint('uq_service_package_hash', type_='unique')
        batch_op.create_index('ix_service_package_code_hash', ['code', 'content_hash'], unique=False)
    with op.batch_alter_table('process_definition') as batch_op:
        batch_op.drop_constraint('uq_process_definition_hash', type_='unique')
        batch_op.create_index('ix_process_definition_process_id_hash', ['process_id', 'content_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('process_definition') as batch_op:
        batch_op.drop_index('ix_process_definition_process_id_hash')
        batch_op.create_unique_constraint('uq_process_definition_hash', ['process_id', 'content_hash'])
    with op.batch_alter_table('service_package') as batch_op:
        batch_op.drop_index('ix_service_package_code_hash')
        batch_op.create_unique_constraint('uq_service_package_hash', ['code', 'content_hash'])
    op.drop_index(op.f('ix_package_event_code'), table_name='package_event')
    op.drop_table('package_event')
    op.drop_table('package_draft')
