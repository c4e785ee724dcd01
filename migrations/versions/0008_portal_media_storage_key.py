"""portal media in the one file store: portal_media.stored_name -> storage_key

Report photos and videos move from the portal's own store
(`<LIGAT_UPLOAD_DIR>/portal/<yyyy>/<mm>/<random>.<ext>`, the column holding
`<yyyy>/<mm>/<random>.<ext>`) to workflows/storage.py, area "media"
(`<LIGAT_UPLOAD_DIR>/media/<yyyy>/<32 hex>.<ext>`, the column holding that key).

The new key of an old file is derived from its old name (SHA-256), so running
this again after an interrupted attempt finds the files already moved. Files
are moved only when the database is migrated online (not with --sql).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00

"""
import hashlib
import logging
import os
import re
from pathlib import Path

from alembic import context, op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')
AREA = 'media'
OLD_DIR = 'portal'
_NEW_KEY = re.compile(r'^media/(\d{4})/([0-9a-f]{32})\.([a-z0-9]{2,5})$')
_EXTENSION = re.compile(r'^[a-z0-9]{2,5}$')


def _upload_dir() -> Path:
    from flask import current_app

    return Path(current_app.config['LIGAT_UPLOAD_DIR'])


def new_key(stored_name: str, created_at) -> str:  # noqa: ANN001
    """`2026/11/AbC…xyz.jpg` -> `media/2026/<sha256 of the old name, 32 hex>.jpg`."""
    first = stored_name.split('/', 1)[0]
    year = first if re.fullmatch(r'\d{4}', first) else f'{getattr(created_at, "year", 2026):04d}'
    extension = stored_name.rsplit('.', 1)[-1].lower() if '.' in stored_name else ''
    if not _EXTENSION.match(extension):
        extension = 'bin'
    return f'{AREA}/{year}/{hashlib.sha256(stored_name.encode()).hexdigest()[:32]}.{extension}'


def old_name(storage_key: str) -> str:
    """Back for a downgrade: `media/2026/<hex>.jpg` -> `2026/<hex>.jpg` (under portal/)."""
    match = _NEW_KEY.match(storage_key)
    if not match:
        raise ValueError(f'kunci penyimpanan tidak dikenal: {storage_key!r}')
    year, token, extension = match.groups()
    return f'{year}/{token}.{extension}'


def _move(source: Path, target: Path) -> None:
    """Idempotent: a file already at its target is left alone; a missing file is reported."""
    if target.exists():
        return
    if not source.is_file():
        log.warning('berkas lampiran laporan tidak ditemukan: %s', source)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _require_online() -> None:
    if context.is_offline_mode():
        raise RuntimeError('Migrasi 0007 memindahkan berkas: jalankan tanpa --sql. (Needs an online migration.)')


def upgrade():
    _require_online()
    with op.batch_alter_table('portal_media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_key', sa.String(length=200), nullable=True))

    conn = op.get_bind()
    media = sa.table('portal_media', sa.column('id', sa.Integer), sa.column('stored_name', sa.String),
                     sa.column('storage_key', sa.String), sa.column('created_at', sa.DateTime))
    rows = conn.execute(sa.select(media.c.id, media.c.stored_name, media.c.created_at)).all()
    root = _upload_dir() if rows else None
    for row_id, stored_name, created_at in rows:
        key = new_key(stored_name, created_at)
        _move(root / OLD_DIR / stored_name, root / key)
        conn.execute(sa.update(media).where(media.c.id == row_id).values(storage_key=key))

    with op.batch_alter_table('portal_media', schema=None) as batch_op:
        batch_op.alter_column('storage_key', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_constraint('uq_portal_media_stored_name', type_='unique')
        batch_op.drop_column('stored_name')
        batch_op.create_unique_constraint('uq_portal_media_storage_key', ['storage_key'])


def downgrade():
    _require_online()
    with op.batch_alter_table('portal_media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_name', sa.String(length=120), nullable=True))

    conn = op.get_bind()
    media = sa.table('portal_media', sa.column('id', sa.Integer), sa.column('stored_name', sa.String),
                     sa.column('storage_key', sa.String))
    rows = conn.execute(sa.select(media.c.id, media.c.storage_key)).all()
    root = _upload_dir() if rows else None
    for row_id, key in rows:
        name = old_name(key)
        _move(root / key, root / OLD_DIR / name)
        conn.execute(sa.update(media).where(media.c.id == row_id).values(stored_name=name))

    with op.batch_alter_table('portal_media', schema=None) as batch_op:
        batch_op.alter_column('stored_name', existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_constraint('uq_portal_media_storage_key', type_='unique')
        batch_op.drop_column('storage_key')
        batch_op.create_unique_constraint('uq_portal_media_stored_name', ['stored_name'])
