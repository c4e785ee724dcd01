"""audit: each chain's length and head kept apart from the events (so events removed wholesale are
noticed), the results of chain verification runs, and the case a person_view came from

Revision ID: 0015
Revises: 0010
Create Date: 2026-11-24 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_chain',
        sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('length', sa.Integer(), nullable=False),
        sa.Column('head_hash', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_audit_chain_case_id_case')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_audit_chain')),
    )
    # Every existing chain's record, from its last event.
    op.execute("""
        INSERT INTO audit_chain (case_id, length, head_hash, updated_at)
        SELECT e.case_id, e.seq, e.hash, e.occurred_at FROM audit_event e
        WHERE e.seq = (SELECT MAX(l.seq) FROM audit_event l WHERE l.case_id = e.case_id)
    """)
    bind = op.get_bind()
    # The record may only grow: removing it or shortening it is refused like changing an event.
    if bind.dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION audit_chain_grow_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR NEW.length < OLD.length OR NEW.case_id <> OLD.case_id THEN
                    RAISE EXCEPTION 'audit_chain hanya boleh bertambah (grow-only)';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_chain_no_shrink BEFORE UPDATE OR DELETE ON audit_chain
            FOR EACH ROW EXECUTE FUNCTION audit_chain_grow_only()
        """)
    else:
        op.execute("""
            CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
            BEGIN SELECT RAISE(ABORT, 'audit_chain hanya boleh bertambah (grow-only)'); END
        """)
        op.execute("""
            CREATE TRIGGER audit_chain_no_shrink BEFORE UPDATE ON audit_chain
            WHEN NEW.length < OLD.length OR NEW.case_id <> OLD.case_id
            BEGIN SELECT RAISE(ABORT, 'audit_chain hanya boleh bertambah (grow-only)'); END
        """)

    op.create_table(
        'audit_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=False),
        sa.Column('trigger', sa.String(length=10), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('events_checked', sa.Integer(), nullable=False),
        sa.Column('broken_count', sa.Integer(), nullable=False),
        sa.Column('broken_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_check')),
    )
    op.create_index(op.f('ix_audit_check_finished_at'), 'audit_check', ['finished_at'], unique=False)

    with op.batch_alter_table('person_view', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_person_view_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_person_view_case_id_case'), 'case', ['case_id'], ['id'])
    # Searching the access logs by time and person.
    op.create_index('ix_person_view_viewed_at', 'person_view', ['viewed_at'], unique=False)
    op.create_index('ix_file_access_accessed_at', 'file_access', ['accessed_at'], unique=False)
    op.create_index('ix_audit_event_occurred_at', 'audit_event', ['occurred_at'], unique=False)


def downgrade():
    op.drop_index('ix_audit_event_occurred_at', table_name='audit_event')
    op.drop_index('ix_file_access_accessed_at', table_name='file_access')
    op.drop_index('ix_person_view_viewed_at', table_name='person_view')
    with op.batch_alter_table('person_view', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_person_view_case_id_case'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_person_view_case_id'))
        batch_op.drop_column('case_id')
    op.drop_index(op.f('ix_audit_check_finished_at'), table_name='audit_check')
    op.drop_table('audit_check')
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_chain_no_shrink ON audit_chain')
        op.execute('DROP FUNCTION IF EXISTS audit_chain_grow_only()')
    op.drop_table('audit_chain')
