"""Rows held per transaction (flows taken, inbox rows without candidates) are written at the next flush,
query or commit, and go with the savepoint or transaction that rolls back: held rows never outlive the
step that made them, nor get lost from one that committed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import cases, held
from workflows.dashboard.flows import CaseFlow
from workflows.db import Case, utcnow

VILLAGE = "91.71.01.1001"
REPORT = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
          "kode_wilayah": VILLAGE}


def _flows(session: Session, case_id: int, flow_id: str) -> int:
    return session.scalar(select(func.count()).select_from(CaseFlow)
                          .where(CaseFlow.case_id == case_id, CaseFlow.flow_id == flow_id))


def _flow(case: Case, flow_id: str) -> dict:
    return {"case_id": case.id, "process_definition_id": case.process_definition_id, "flow_id": flow_id,
            "taken_at": utcnow()}


def test_a_savepoint_keeps_its_released_rows_and_drops_its_rolled_back_ones(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    db_session.scalar(select(Case.id).where(Case.id == case.id))  # a transaction is open, as the scheduler's
    with db_session.begin_nested():
        held.hold(db_session, CaseFlow.__table__, [_flow(case, "uji_tetap")])
    with pytest.raises(RuntimeError), db_session.begin_nested():
        held.hold(db_session, CaseFlow.__table__, [_flow(case, "uji_batal")])
        raise RuntimeError("langkah gagal")
    held.hold(db_session, CaseFlow.__table__, [_flow(case, "uji_sesudah"), _flow(case, "uji_sesudah")])
    db_session.commit()
    assert _flows(db_session, case.id, "uji_tetap") == 1
    assert _flows(db_session, case.id, "uji_batal") == 0
    assert _flows(db_session, case.id, "uji_sesudah") == 2


def test_held_rows_are_seen_by_the_next_query_and_dropped_by_a_rollback(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    held.hold(db_session, CaseFlow.__table__, [_flow(case, "uji_dibaca")])
    assert _flows(db_session, case.id, "uji_dibaca") == 1  # written before the query, in its transaction
    held.hold(db_session, CaseFlow.__table__, [_flow(case, "uji_dibuang")])
    db_session.rollback()
    assert _flows(db_session, case.id, "uji_dibaca") == 0
    assert _flows(db_session, case.id, "uji_dibuang") == 0
    assert not db_session.info.get(held.HELD)


def test_rows_held_when_a_savepoint_begins_are_refused(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    db_session.scalar(select(Case.id).where(Case.id == case.id))
    with db_session.no_autoflush:
        held.hold(db_session, CaseFlow.__table__, [_flow(case, "uji_tertahan")])
    with pytest.raises(RuntimeError, match="savepoint"):
        db_session.begin_nested()
    db_session.rollback()
    assert _flows(db_session, case.id, "uji_tertahan") == 0


def test_held_rows_of_other_columns_share_one_built_insert_and_keep_their_own_values(db_session):
    """The table's INSERT is built once and serves rows naming different columns: each row is written with
    the columns it names, and the table's defaults fill the others, as a statement built for it would."""
    from workflows.db import OutboxMessage

    table = OutboxMessage.__table__
    assert held.insert_of(table) is held.insert_of(table)
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    plain = {"case_id": case.id, "recipient": "uji-1", "message": "satu", "channel": "log"}
    skipped = {**plain, "recipient": "uji-2", "status": "skipped", "last_error": "berhenti"}
    held.hold(db_session, table, [plain])
    db_session.commit()
    held.hold(db_session, table, [skipped])
    db_session.commit()
    rows = {m.recipient: m for m in db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id))}
    assert (rows["uji-1"].status, rows["uji-1"].last_error, rows["uji-1"].attempts) == ("pending", None, 0)
    assert (rows["uji-2"].status, rows["uji-2"].last_error) == ("skipped", "berhenti")
