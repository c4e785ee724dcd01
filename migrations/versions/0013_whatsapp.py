"""whatsapp channel: inbound queue, conversations, case links and threads; outbox rows gain a kind, a payload, the gateway's message id, its delivery status and a
key that keeps one event to one message

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-24 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='text'))
        batch.add_column(sa.Column('payload', sa.Text(), nullable=True))
        batch.add_column(sa.Column('provider_id', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('delivery_status', sa.String(length=12), nullable=True))
        batch.add_column(sa.Column('dedupe_key', sa.String(length=120), nullable=True))
        batch.create_index(batch.f('ix_outbox_message_provider_id'), ['provider_id'], unique=False)
        batch.create_unique_constraint(batch.f('uq_outbox_message_dedupe_key'), ['dedupe_key'])
    op.create_table(
        'wa_inbound',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('wa_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('processed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wa_inbound')),
        sa.UniqueConstraint('message_id', name=op.f('uq_wa_inbound_message_id')),
    )
    op.create_index('ix_wa_inbound_pending', 'wa_inbound', ['status', 'id'], unique=False)
    op.create_index('ix_wa_inbound_sender', 'wa_inbound', ['wa_id', 'received_at'], unique=False)
    op.create_table(
        'wa_conversation',
        sa.Column('wa_id', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=30), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('last_inbound_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('consent', sa.Boolean(), nullable=False),
        sa.Column('consent_at', sa.DateTime(), nullable=True),
        sa.Column('opted_out_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_wa_conversation_case_id_case')),
        sa.PrimaryKeyConstraint('wa_id', name=op.f('pk_wa_conversation')),
    )
    op.create_table(
        'wa_case_link',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('wa_id', sa.String(length=32), nullable=False),
        sa.Column('anonymous', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_wa_case_link_case_id_case')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_wa_case_link')),
    )
    op.create_index(op.f('ix_wa_case_link_wa_id'), 'wa_case_link', ['wa_id'], unique=False)
    op.create_table(
        'wa_thread_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=4), nullable=False),
        sa.Column('author', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_wa_thread_message_case_id_case')),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'],
                                name=op.f('fk_wa_thread_message_outbox_id_outbox_message')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wa_thread_message')),
    )
    op.create_index(op.f('ix_wa_thread_message_case_id'), 'wa_thread_message', ['case_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_wa_thread_message_case_id'), table_name='wa_thread_message')
    op.drop_table('wa_thread_message')
    op.drop_index(op.f('ix_wa_case_link_wa_id'), table_name='wa_case_link')
    op.drop_table('wa_case_link')
    op.drop_table('wa_conversation')
    op.drop_index('ix_wa_inbound_sender', table_name='wa_inbound')
    op.drop_index('ix_wa_inbound_pending', table_name='wa_inbound')
    op.drop_table('wa_inbound')
    with op.batch_alter_table('outbox_message') as batch:
        batch.drop_constraint(batch.f('uq_outbox_message_dedupe_key'), type_='unique')
        batch.drop_index(batch.f('ix_outbox_message_provider_id'))
        for column in ('dedupe_key', 'delivery_status', 'provider_id', 'payload', 'kind'):
            batch.drop_column(column)
