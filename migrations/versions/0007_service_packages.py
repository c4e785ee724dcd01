"""service packages: a line's files stored as one version (service_package), the roles its lanes
use with their scope (package_role), process definitions tied to their package version, a
case's service-level due time and its pause while waiting on the citizen,
letters keep their type's name, and registers as data (register_entry, register_record)
replacing the LKS-only tables, whose rows move over.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

LKS_LABELS = {"tanda_daftar": "Tanda Daftar LKS", "izin_operasional": "Izin Operasional LKS",
              "izin_sumbangan": "Izin Pengumpulan Sumbangan", "pbi_jkn": "Surat Rekomendasi PBI-JKN",
              "rekomendasi_cota": "Surat Rekomendasi Pengangkatan Anak (COTA)"}


def upgrade():
    op.create_table(
        'service_package',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('descriptor_json', sa.Text(), nullable=False),
        sa.Column('archive', sa.LargeBinary(), nullable=False),
        sa.Column('warnings_json', sa.Text(), nullable=False),
        sa.Column('deployed_at', sa.DateTime(), nullable=False),
        sa.Column('deployed_by', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_package')),
        sa.UniqueConstraint('code', 'version', name='uq_service_package_version'),
        sa.UniqueConstraint('code', 'content_hash', name='uq_service_package_hash'),
    )
    op.create_index(op.f('ix_service_package_code'), 'service_package', ['code'], unique=False)
    op.create_table(
        'package_role',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('package_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['package_id'], ['service_package.id'],
                                name=op.f('fk_package_role_package_id_service_package')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_package_role')),
        sa.UniqueConstraint('package_id', 'role', name='uq_package_role'),
    )
    op.create_index(op.f('ix_package_role_package_id'), 'package_role', ['package_id'], unique=False)
    op.create_index(op.f('ix_package_role_role'), 'package_role', ['role'], unique=False)
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('package_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_process_definition_package_id'), ['package_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_process_definition_package_id_service_package'),
                                    'service_package', ['package_id'], ['id'])
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sla_paused_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('type_label', sa.String(length=200), nullable=True))
    letter = sa.table('letter', sa.column('letter_type', sa.String), sa.column('type_label', sa.String))
    for code, label in LKS_LABELS.items():
        op.execute(letter.update().where(letter.c.letter_type.in_([code, f"lks_{code}"])).values(type_label=label))

    op.create_table(
        'register_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('register', sa.String(length=60), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('region_code', sa.String(length=20), nullable=True),
        sa.Column('data_json', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_entry')),
        sa.UniqueConstraint('register', 'key', name='uq_register_entry_key'),
    )
    op.create_index(op.f('ix_register_entry_register'), 'register_entry', ['register'], unique=False)
    op.create_index(op.f('ix_register_entry_region_code'), 'register_entry', ['region_code'], unique=False)
    op.create_table(
        'register_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=30), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=True),
        sa.Column('letter_number', sa.String(length=80), nullable=True),
        sa.Column('issued_on', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_register_record_case_id_case')),
        sa.ForeignKeyConstraint(['entry_id'], ['register_entry.id'],
                                name=op.f('fk_register_record_entry_id_register_entry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_record')),
        sa.UniqueConstraint('case_id', name=op.f('uq_register_record_case_id')),
    )
    op.create_index(op.f('ix_register_record_entry_id'), 'register_record', ['entry_id'], unique=False)
    # The LKS register's rows move into the generic register "lks", ids kept.
    op.execute(
        "INSERT INTO register_entry (id, register, key, name, region_code, data_json, created_at, updated_at) "
        "SELECT id, 'lks', legal_number, name, region_code, '{}', created_at, updated_at FROM lks"
    )
    conn = op.get_bind()
    import json

    for row in conn.execute(sa.text("SELECT id, address, chairman FROM lks")).mappings():
        conn.execute(sa.text("UPDATE register_entry SET data_json = :data WHERE id = :id"),
                     {"id": row["id"], "data": json.dumps({"alamat": row["address"], "ketua": row["chairman"]})})
    op.execute(
        "INSERT INTO register_record (id, entry_id, case_id, kind, status, letter_id, letter_number, issued_on, "
        "valid_until, created_at, updated_at) SELECT id, lks_id, case_id, permit_type, status, letter_id, "
        "letter_number, issued_on, valid_until, created_at, updated_at FROM lks_permit"
    )
    if conn.dialect.name == "postgresql":
        for table in ("register_entry", "register_record"):
            op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")
    with op.batch_alter_table('lks_permit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lks_permit_lks_id'))
    op.drop_table('lks_permit')
    with op.batch_alter_table('lks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lks_region_code'))
    op.drop_table('lks')


def downgrade():
    raise NotImplementedError("0007 moves the LKS register into the generic register; restore from a backup.")
