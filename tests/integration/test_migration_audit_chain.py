"""Migration 0015 on a database of its own: existing chains get their record (length and head) from
their last event, so verification passes at once and notices events removed later; down and up again."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from tests.integration.test_migrations import scratch_app  # noqa: F401 (fixture)
from workflows.audit import GENESIS, _digest, verify_all
from workflows.db import AuditEvent


def _add_case(conn) -> None:  # noqa: ANN001
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


def _add_chain(conn, case_id: int, length: int) -> str:  # noqa: ANN001
    prev = GENESIS
    for seq in range(1, length + 1):
        event = AuditEvent(case_id=case_id, seq=seq, occurred_at=datetime(2026, 11, 20, 8, seq), actor="uji",
                           action="status_changed", task_name=None, task_title=None,
                           data_json=json.dumps({"status": f"langkah {seq}"}), prev_hash=prev)
        event.hash = _digest(event)
        conn.execute(text(
            "INSERT INTO audit_event (case_id, seq, occurred_at, actor, action, data_json, prev_hash, hash)"
            " VALUES (:c, :s, :o, :a, :ac, :d, :p, :h)"),
            {"c": case_id, "s": seq, "o": event.occurred_at, "a": event.actor, "ac": event.action,
             "d": event.data_json, "p": event.prev_hash, "h": event.hash})
        prev = event.hash
    return prev


def test_existing_chains_get_their_record(scratch_app):  # noqa: F811
    import flask_migrate

    from app.extensions import db
    from app.setup import MIGRATIONS_DIR

    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0010")
    with db.engine.begin() as conn:
        _add_case(conn)
        head = _add_chain(conn, 1, 3)
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0015")

    with db.engine.connect() as conn:
        record = conn.execute(text("SELECT length, head_hash FROM audit_chain WHERE case_id = 1")).one()
    assert tuple(record) == (3, head)
    with Session(db.engine) as session:
        assert verify_all(session) == (3, [])
    assert "case_id" in {c["name"] for c in inspect(db.engine).get_columns("person_view")}

    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="0010")
    assert "audit_chain" not in inspect(db.engine).get_table_names()
    assert "case_id" not in {c["name"] for c in inspect(db.engine).get_columns("person_view")}
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="head")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT length FROM audit_chain WHERE case_id = 1")).scalar_one() == 3
