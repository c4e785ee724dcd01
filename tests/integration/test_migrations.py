"""Migrations that convert data as well as the schema.

Run on a database of their own (a fresh SQLite file; or the PostgreSQL database named by
LIGAT_TEST_MIGRATION_URL, emptied first), never the session's, since they go down and up.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, text

STORED_NAME = "2026/11/Ab-cD_efGhIjKlMnOpQrStUvWx.jpg"


@pytest.fixture
def scratch_app(tmp_path: Path):
    """A bare Flask app with the project's db and migrations, on a scratch database."""
    import flask_migrate

    from app.extensions import db
    from app.setup import MIGRATIONS_DIR

    url = os.environ.get("LIGAT_TEST_MIGRATION_URL") or f"sqlite:///{tmp_path / 'migrasi.db'}"
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = Flask("migrasi")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, LIGAT_UPLOAD_DIR=str(tmp_path / "uploads"))
    db.init_app(app)
    flask_migrate.Migrate(app, db, directory=MIGRATIONS_DIR)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _add_case_with_media(conn) -> None:  # noqa: ANN001
    now = datetime(2026, 11, 20, 8, 0)
    conn.execute(text(
        "INSERT INTO process_definition (id, process_id, name, version, content_hash, source_name, bpmn_xml,"
        " dmn_json, spec_json, meta_json, deployed_at, deployed_by)"
        " VALUES (1, 'pengaduan', 'Pengaduan', 1, 'x', 'x', '', '{}', '{}', '{}', :now, 'uji')"), {"now": now})
    conn.execute(text(
        'INSERT INTO "case" (id, reference, tracking_code, process_definition_id, process_id, title, priority,'
        " status, escalated, completed, anonymous, confidential, started_by, serialized, created_at, updated_at,"
        " lock_version) VALUES (1, 'ADU-2026-000001', 'ABCDEFGH', 1, 'pengaduan', 'uji', 0, 'Diterima',"
        " false, false, true, false, 'warga', '{}', :now, :now, 1)"), {"now": now})
    conn.execute(text(
        "INSERT INTO portal_media (id, case_id, kind, media_type, stored_name, size, sha256, created_at)"
        " VALUES (1, 1, 'foto', 'image/jpeg', :name, 4, 'x', :now)"), {"name": STORED_NAME, "now": now})


def test_portal_media_moves_into_the_one_file_store(scratch_app):
    import flask_migrate

    from app.extensions import db
    from app.setup import MIGRATIONS_DIR

    uploads = Path(scratch_app.config["LIGAT_UPLOAD_DIR"])
    old_file = uploads / "portal" / STORED_NAME
    old_file.parent.mkdir(parents=True)
    old_file.write_bytes(b"foto")

    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0007")
    with db.engine.begin() as conn:
        _add_case_with_media(conn)
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0008")

    columns = {c["name"] for c in inspect(db.engine).get_columns("portal_media")}
    assert "storage_key" in columns and "stored_name" not in columns
    with db.engine.connect() as conn:
        key = conn.scalar(text("SELECT storage_key FROM portal_media WHERE id = 1"))
    from workflows import storage

    assert storage._KEY.match(key) and key.startswith("media/2026/") and key.endswith(".jpg")
    assert (uploads / key).read_bytes() == b"foto" and not old_file.exists()
    uniques = {tuple(u["column_names"]) for u in inspect(db.engine).get_unique_constraints("portal_media")}
    assert ("storage_key",) in uniques

    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="0007")
    with db.engine.connect() as conn:
        name = conn.scalar(text("SELECT stored_name FROM portal_media WHERE id = 1"))
    assert (uploads / "portal" / name).read_bytes() == b"foto" and not (uploads / key).exists()

    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="head")  # and up again
    with db.engine.connect() as conn:
        key = conn.scalar(text("SELECT storage_key FROM portal_media WHERE id = 1"))
    assert storage._KEY.match(key) and (uploads / key).read_bytes() == b"foto"


def test_indexes_another_index_serves_are_dropped_and_come_back_on_downgrade(scratch_app):
    """Migration 0034: audit_event's (case_id) and inbox_task's (state, role, priority, due_at) indexes
    go (a unique key and ix_inbox_queue start with the same columns); the tables then carry exactly
    the indexes the models declare."""
    import flask_migrate

    from app.extensions import db
    from app.setup import MIGRATIONS_DIR
    from workflows.db import Base

    def indexes(table: str) -> set[str]:  # PostgreSQL lists a unique key's own index too: not counted
        found = inspect(db.engine)
        return ({i["name"] for i in found.get_indexes(table)}
                - {u["name"] for u in found.get_unique_constraints(table)})

    def declared(table: str) -> set[str]:
        return {i.name for i in Base.metadata.tables[table].indexes}

    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="head")
    for table in ("audit_event", "inbox_task"):
        assert indexes(table) == declared(table)
    assert "ix_inbox_queue" in indexes("inbox_task")
    assert "uq_audit_event_case_seq" in {u["name"] for u in inspect(db.engine).get_unique_constraints("audit_event")}

    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="0033")
    assert "ix_audit_event_case_id" in indexes("audit_event") and "ix_inbox_open_role" in indexes("inbox_task")
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="head")
    assert "ix_audit_event_case_id" not in indexes("audit_event")
    assert "ix_inbox_open_role" not in indexes("inbox_task")
