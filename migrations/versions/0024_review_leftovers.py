"""review leftovers: an audit check also records the service packages' history chains (so the audit page
shows a recorded result instead of checking on every view), the public verification page's signature
validations are kept by the PDF's hash (signature_check), and every case closed before survey invitations
were made at closing gets its invitation (the tracking page only reads it now)

Revision ID: 0024
Revises: 0021
Create Date: 2026-11-24 10:20:00

"""
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_check') as batch:
        # NULL: a check recorded before package chains were part of it.
        batch.add_column(sa.Column('package_events_checked', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('broken_packages_json', sa.Text(), nullable=True))
    op.create_table(
        'signature_check',
        sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
        sa.Column('trust', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('signer', sa.String(length=300), nullable=True),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('pdf_sha256', 'trust', name=op.f('pk_signature_check')),
    )
    closed = op.get_bind().execute(
        sa.text('SELECT c.id FROM "case" c LEFT JOIN survey_invitation s ON s.case_id = c.id '
                'WHERE c.completed = :yes AND s.id IS NULL').bindparams(yes=True)).scalars().all()
    if closed:
        invitation = sa.table('survey_invitation', sa.column('case_id', sa.Integer), sa.column('token', sa.String),
                              sa.column('created_at', sa.DateTime))
        now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as every stored time
        op.bulk_insert(invitation, [{'case_id': case_id, 'token': secrets.token_urlsafe(32), 'created_at': now}
                                    for case_id in closed])


def downgrade():
    op.drop_table('signature_check')
    with op.batch_alter_table('audit_check') as batch:
        batch.drop_column('broken_packages_json')
        batch.drop_column('package_events_checked')
