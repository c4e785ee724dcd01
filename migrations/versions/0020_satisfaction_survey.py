"""satisfaction survey (SKM, nine elements) per closed case, and its invitations

Revision ID: 0020
Revises: 0018
Create Date: 2026-11-24 07:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=43), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('notified_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_survey_invitation_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitation')),
        sa.UniqueConstraint('case_id', name=op.f('uq_survey_invitation_case_id')),
        sa.UniqueConstraint('token', name=op.f('uq_survey_invitation_token')),
    )
    op.create_table(
        'survey_response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('line', sa.String(length=60), nullable=False),
        *[sa.Column(f'u{n}', sa.Integer(), nullable=False) for n in range(1, 10)],
        sa.Column('suggestion', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_survey_response_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
        sa.UniqueConstraint('case_id', name=op.f('uq_survey_response_case_id')),
    )
    op.create_index(op.f('ix_survey_response_line'), 'survey_response', ['line'], unique=False)
    op.create_index(op.f('ix_survey_response_answered_at'), 'survey_response', ['answered_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_survey_response_answered_at'), table_name='survey_response')
    op.drop_index(op.f('ix_survey_response_line'), table_name='survey_response')
    op.drop_table('survey_response')
    op.drop_table('survey_invitation')
