"""What one engine step sends to the database: a completion reads its task, case, package, chain record and
the case's open rows in one statement; the step that closes a case writes the case row once and makes the
survey invitation without reading it first; reopening and closing again keeps the first invitation."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from workflows import cases, satisfaction
from workflows.db import Case, InboxTask, OutboxMessage
from workflows.principal import FIELD_OFFICER, OPERATOR, Principal

VILLAGE = "91.71.01.1001"
OP = Principal("op-step", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
OFFICER = Principal("lapangan.step", frozenset({FIELD_OFFICER}), bidang="rehsos", scopes=((FIELD_OFFICER, "bidang"),))
REPORT = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
          "kode_wilayah": VILLAGE, "sla_lapangan": "PT72H"}
FOLLOW_UP = {"temuan": "Anak mengemis di simpang.", "tindakan": "Dibawa ke rumah singgah.",
             "tanggal_kunjungan": "2026-11-20", "catatan_publik": "Sudah ditangani."}


class Statements:
    """The statements sent while the block runs, upper-cased and on one line."""

    def __init__(self, session) -> None:  # noqa: ANN001
        self.bind, self.seen = session.get_bind(), []

    def __enter__(self) -> list[str]:
        event.listen(self.bind, "before_cursor_execute", self._add)
        return self.seen

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.bind, "before_cursor_execute", self._add)

    def _add(self, _conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        self.seen.append(" ".join(statement.split()).upper())


def _open_task(session, case_id: int) -> int:  # noqa: ANN001
    return session.scalar(select(InboxTask.id).where(InboxTask.case_id == case_id, InboxTask.state == "open"))


def _engine_reads(statements: list[str]) -> list[str]:
    # Not the step's: the package's files, read once per process and version to fill the forms cache.
    return [s for s in statements if s.startswith("SELECT") and "SERVICE_PACKAGE.ARCHIVE" not in s]


def test_a_completion_reads_once_and_the_closing_step_writes_the_case_once(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE,
                            reporter=cases.Reporter(name="Warga", phone="+6281234567001"))
    case_id = case.id
    verification = _open_task(db_session, case_id)
    with Statements(db_session) as verify:
        cases.complete_task(db_session, verification, OP, {"keputusan": "valid", "catatan": "Ok."})
    reads = _engine_reads(verify)
    assert len(reads) == 1, reads
    assert "JOIN SERVICE_PACKAGE" in reads[0] and "JOIN AUDIT_CHAIN" in reads[0]
    # The WhatsApp route's and relay's lookups for the step's message come with it (no query per message).
    assert "FROM WA_CONVERSATION" in reads[0] and "FROM WA_CASE_LINK" in reads[0]
    field = _open_task(db_session, case_id)
    with Statements(db_session) as close:
        cases.complete_task(db_session, field, OFFICER, FOLLOW_UP)
    assert len(_engine_reads(close)) == 1, _engine_reads(close)
    assert len([s for s in close if s.startswith('UPDATE "CASE"')]) == 1, close
    assert len([s for s in close if s.startswith("INSERT INTO SURVEY_INVITATION")]) == 1
    db_session.expire_all()
    closed = db_session.get(Case, case_id)
    assert closed.completed and closed.status == "Selesai"
    assert satisfaction.invitation_of(db_session, case_id) is not None
    # The step's messages went out through the outbox as before (Core rows, same columns).
    messages = db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)).all()
    assert messages and all(m.status in ("pending", "skipped") and m.recipient for m in messages)
    assert db_session.scalar(select(InboxTask.state).where(InboxTask.id == field)) == "completed"


def test_a_case_closed_again_keeps_its_first_invitation(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    case_id = case.id
    cases.complete_task(db_session, _open_task(db_session, case_id), OP, {"keputusan": "valid", "catatan": "Ok."})
    cases.complete_task(db_session, _open_task(db_session, case_id), OFFICER, FOLLOW_UP)
    first = satisfaction.invitation_of(db_session, case_id).token
    db_session.commit()
    # The invitation is made on a second closing too (a reopened case): the row already there stays.
    satisfaction.invite_on_close(db_session, case_id)
    db_session.commit()
    assert satisfaction.invitation_of(db_session, case_id).token == first


def test_a_task_not_found_or_done_is_refused_without_a_step(db_session):
    import pytest

    from workflows.errors import NotFound, TaskUnavailable

    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    task_id = _open_task(db_session, case.id)
    with pytest.raises(NotFound):
        cases.complete_task(db_session, 10**9, OP, {"keputusan": "valid"})
    cases.complete_task(db_session, task_id, OP, {"keputusan": "valid", "catatan": "Ok."})
    with pytest.raises(TaskUnavailable):
        cases.complete_task(db_session, task_id, OP, {"keputusan": "valid", "catatan": "Ok."})


def _bump_version_before_save(monkeypatch, session) -> None:  # noqa: ANN001
    """Someone else's committed change to the case between this step's read and its write (simulated on the
    step's own connection, so it works on SQLite's single writer too)."""
    from sqlalchemy import update

    advance = cases._Step.advance

    def advance_then_bump(step, *args, **kwargs):  # noqa: ANN001, ANN202
        advance(step, *args, **kwargs)
        session.connection().execute(update(Case.__table__).where(Case.__table__.c.id == step.case.id)
                                     .values(lock_version=Case.__table__.c.lock_version + 1))

    monkeypatch.setattr(cases._Step, "advance", advance_then_bump)


def test_a_stale_case_version_is_a_concurrent_update_and_writes_nothing(db_session, monkeypatch):
    import pytest

    from workflows.db import AuditEvent
    from workflows.errors import ConcurrentUpdate

    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    case_id, version = case.id, case.lock_version
    task_id = _open_task(db_session, case_id)
    events = len(db_session.scalars(select(AuditEvent.id).where(AuditEvent.case_id == case_id)).all())
    _bump_version_before_save(monkeypatch, db_session)
    with pytest.raises(ConcurrentUpdate):
        cases.complete_task(db_session, task_id, OP, {"keputusan": "valid", "catatan": "Ok."})
    monkeypatch.undo()
    db_session.expire_all()
    assert db_session.get(Case, case_id).lock_version == version
    assert db_session.scalar(select(InboxTask.state).where(InboxTask.id == task_id)) == "open"
    assert len(db_session.scalars(select(AuditEvent.id).where(AuditEvent.case_id == case_id)).all()) == events
    assert db_session.scalars(select(InboxTask.id).where(InboxTask.case_id == case_id)).all() == [task_id]


def test_the_case_row_is_written_once_per_step_and_the_returned_case_is_current(db_session):
    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    case_id = case.id
    with Statements(db_session) as verify:
        returned = cases.complete_task(db_session, _open_task(db_session, case_id), OP,
                                       {"keputusan": "valid", "catatan": "Ok."})
    writes = [s for s in verify if s.startswith('UPDATE "CASE"')]
    assert len(writes) == 1 and "LOCK_VERSION = " in writes[0] and "WHERE \"CASE\".ID = " in writes[0], writes
    assert len([s for s in verify if s.startswith("UPDATE INBOX_TASK")]) == 1, verify
    seen = (returned.status, returned.bidang, returned.lock_version, returned.serialized)
    fresh = db_session.execute(select(Case.status, Case.bidang, Case.lock_version, Case.serialized)
                               .where(Case.id == case_id)).one()
    assert seen == tuple(fresh)
    # 1 at the INSERT, +1 by this step; SQLite's start adds one more: its INSERT comes before the step (for the id),
    # its UPDATE after it (on PostgreSQL the id comes with the definition's read and the start is one INSERT).
    started_once = db_session.get_bind().dialect.name == "postgresql"
    assert returned.lock_version == (2 if started_once else 3)


def test_a_row_written_inside_a_savepoint_that_rolls_back_reads_as_before(db_session):
    from workflows.row_writes import write_changes

    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    status, version = case.status, case.lock_version
    savepoint = db_session.begin_nested()
    case.status = "Dicoba"
    assert write_changes(db_session, case)
    assert case.lock_version == version + 1 and case not in db_session.dirty
    savepoint.rollback()
    assert (case.status, case.lock_version) == (status, version)
    db_session.rollback()


def test_the_started_case_is_read_without_a_reload_until_the_next_transaction(db_session):
    from sqlalchemy import update

    with Statements(db_session) as after_commit:
        case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
        mark = len(after_commit)
        seen = (case.id, case.reference, case.tracking_code, case.status, case.lock_version)
        assert len(after_commit) == mark, after_commit[mark:]  # no SELECT of the case it just wrote
    # What it kept is what was committed.
    with db_session.get_bind().connect() as other:
        assert other.execute(select(Case.reference, Case.status, Case.lock_version)
                             .where(Case.id == seen[0])).one() == (seen[1], seen[3], seen[4])
    # Someone else changes it after the commit: the session's next transaction sees their values.
    with db_session.get_bind().begin() as other:
        other.execute(update(Case.__table__).where(Case.__table__.c.id == seen[0])
                      .values(status="Diubah", lock_version=seen[4] + 1))
    db_session.scalar(select(InboxTask.id).limit(1))  # any statement begins the next transaction
    assert (case.status, case.lock_version) == ("Diubah", seen[4] + 1)


def test_the_routes_read_with_the_step_send_each_message_where_they_did(app, db_session):
    """Opted out: the message is recorded, not sent; opted in: WhatsApp; an anonymous reporter's case with a
    WhatsApp link: relayed to that number; a number written another way (0…) is the same conversation."""
    from workflows.db import utcnow
    from workflows.whatsapp.models import WaCaseLink, WaConversation

    db_session.add_all([WaConversation(wa_id="6281234567011", opted_out_at=utcnow()),
                        WaConversation(wa_id="6281234567012", consent=True, consent_at=utcnow()),
                        WaConversation(wa_id="6281234567013", consent=True, consent_at=utcnow())])
    db_session.commit()
    phones = {"opted_out": "+6281234567011", "opted_in": "081234567012"}
    started = {name: cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE,
                                      reporter=cases.Reporter(name="Warga", phone=phone)).id
               for name, phone in phones.items()}
    started["relayed"] = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE).id
    db_session.add(WaCaseLink(case_id=started["relayed"], wa_id="6281234567013", anonymous=True))
    db_session.commit()
    for case_id in started.values():
        task_id = _open_task(db_session, case_id)
        with Statements(db_session) as seen:
            cases.complete_task(db_session, task_id, OP, {"keputusan": "valid", "catatan": "Ok."})
        assert not [s for s in seen if s.startswith(("SELECT WA_CONVERSATION", "SELECT WA_CASE_LINK"))], seen
        assert len(_engine_reads(seen)) == 1, seen
    db_session.expire_all()

    def status_message(case_id: int) -> OutboxMessage:
        return db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id,
                                                              OutboxMessage.kind == "status")).one()

    assert status_message(started["opted_out"]).status == "skipped"
    assert status_message(started["opted_in"]).channel == "whatsapp"
    relayed = status_message(started["relayed"])
    assert relayed.channel == "whatsapp" and relayed.recipient == "6281234567013"


def test_a_start_routes_its_receipt_by_the_numbers_standing_read_once(app, db_session):
    """The start's receipt to a reporter's number: opted out → recorded, not sent; opted in → WhatsApp; a known
    number without consent and an unknown one → the office's channel. The standing is read with one query of
    the conversation's columns (no conversation object loaded) and kept for the rest of the transaction."""
    from workflows import notifications
    from workflows.db import utcnow
    from workflows.whatsapp import inbound
    from workflows.whatsapp.models import WaConversation

    db_session.add_all([WaConversation(wa_id="6281234567021", opted_out_at=utcnow(), consent=True),
                        WaConversation(wa_id="6281234567022", consent=True, consent_at=utcnow()),
                        WaConversation(wa_id="6281234567023", consent=False)])
    db_session.commit()
    db_session.expunge_all()
    phones = {"opted_out": "+6281234567021", "opted_in": "081234567022", "known": "6281234567023",
              "unknown": "+6281234567024"}
    started = {}
    for name, phone in phones.items():
        with Statements(db_session) as seen:
            started[name] = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE,
                                             reporter=cases.Reporter(name="Warga", phone=phone)).id
        assert len([s for s in seen if "FROM WA_CONVERSATION" in s]) == 1, seen
        assert not any(isinstance(obj, WaConversation) for obj in db_session.identity_map.values())
    db_session.expire_all()

    def receipt(case_id: int) -> OutboxMessage:
        return db_session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)).one()

    assert receipt(started["opted_out"]).status == "skipped"
    assert receipt(started["opted_in"]).channel == "whatsapp"
    office = cases.SETTINGS.notify_channel
    assert receipt(started["known"]).channel == office and receipt(started["known"]).status == "pending"
    assert receipt(started["unknown"]).channel == office and receipt(started["unknown"]).status == "pending"

    # Asked again in the same transaction: what was read is kept, no second query.
    db_session.rollback()
    db_session.expunge_all()
    assert inbound.consent_route(db_session, "+6281234567021", office) is None
    with Statements(db_session) as again:
        assert inbound.consent_route(db_session, "6281234567021", office) is None
        assert inbound.consent_route(db_session, "+6281234567022", office) == inbound.CHANNEL
    assert len([s for s in again if "FROM WA_CONVERSATION" in s]) == 1, again
    assert notifications.known(db_session)
    db_session.rollback()


def _position(statements: list[str], prefix: str) -> int:
    return next(i for i, s in enumerate(statements) if s.startswith(prefix))


def test_a_new_case_is_written_once_with_its_final_values_before_the_rows_that_reference_it(db_session):
    # A process's first case loads the definition's spec and diagram into its caches (deferred columns: their
    # loads flush, and so write the case early, then update it); the cases after it are the ones measured.
    cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    with Statements(db_session) as start:
        case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE,
                                reporter=cases.Reporter(name="Warga", phone="+6281234567002"))
    inserts = [s for s in start if s.startswith('INSERT INTO "CASE"')]
    updates = [s for s in start if s.startswith('UPDATE "CASE"')]
    assert len(inserts) == 1, start
    if db_session.get_bind().dialect.name == "postgresql":
        # The id came with the definition's read: no placeholder row, no second write of it.
        assert updates == [], start
        assert "NEXTVAL" in _engine_reads(start)[0]
    else:
        assert len(updates) == 1, start  # SQLite: the INSERT gives the id, the step's values follow
    case_at = _position(start, 'INSERT INTO "CASE"')
    for table in ("OUTBOX_MESSAGE", "INBOX_TASK", "CASE_FLOW", "AUDIT_CHAIN", "AUDIT_EVENT"):
        assert case_at < _position(start, f"INSERT INTO {table}"), (table, start)
    # The defaults the INSERT filled in (created_at, escalated, …) are the object's too: nothing left to reload.
    seen = (case.id, case.reference, case.status, case.lock_version, case.serialized, case.next_timer_at,
            case.created_at, case.escalated, case.completed)
    db_session.expire_all()
    row = db_session.execute(select(Case.id, Case.reference, Case.status, Case.lock_version, Case.serialized,
                                    Case.next_timer_at, Case.created_at, Case.escalated, Case.completed)
                             .where(Case.id == seen[0])).one()
    assert tuple(row) == seen
    assert row.reference.endswith(f"-{row.id:06d}") and row.serialized != "{}"
    assert db_session.scalar(select(OutboxMessage.case_id).where(OutboxMessage.case_id == row.id)) == row.id


def test_a_query_in_the_middle_of_a_start_writes_the_new_case_first(db_session, monkeypatch):
    from sqlalchemy import func

    advance = cases._Step.advance
    counted = []

    def query_then_advance(step, *args, **kwargs):  # noqa: ANN001, ANN202
        # As a script reading cases would: the held case is written before the query (and sees itself).
        counted.append(step.session.scalar(select(func.count(Case.id)).where(Case.id == step.case.id)))
        satisfaction.invite_on_close(step.session, step.case.id)  # a Core write referencing the case
        advance(step, *args, **kwargs)

    monkeypatch.setattr(cases._Step, "advance", query_then_advance)
    with Statements(db_session) as start:
        case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    monkeypatch.undo()
    assert counted == [1]
    assert _position(start, 'INSERT INTO "CASE"') < _position(start, "INSERT INTO SURVEY_INVITATION")
    # Written early with the values of that moment, then brought up to date by the step's version-checked UPDATE
    # (SQLite: its reference, set after the INSERT gave the id, is flushed by the query first).
    updates = [s for s in start if s.startswith('UPDATE "CASE"')]
    assert len(updates) == (1 if db_session.get_bind().dialect.name == "postgresql" else 2), start
    seen = (case.reference, case.status, case.lock_version, case.serialized)
    db_session.expire_all()
    assert tuple(db_session.execute(select(Case.reference, Case.status, Case.lock_version, Case.serialized)
                                    .where(Case.id == case.id)).one()) == seen
    assert satisfaction.invitation_of(db_session, case.id) is not None


def test_a_start_that_fails_leaves_no_case_and_the_session_usable(db_session, monkeypatch):
    import pytest

    from workflows.db import AuditEvent

    class Boom(Exception):
        pass

    made = []
    advance = cases._Step.advance

    def fail(step, *args, **kwargs):  # noqa: ANN001, ANN202
        made.append(step.case)
        advance(step, *args, **kwargs)
        raise Boom

    before = db_session.scalar(select(func_count(Case.id)))
    monkeypatch.setattr(cases._Step, "advance", fail)
    with pytest.raises(Boom):
        cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    monkeypatch.undo()
    lost = made[0]
    assert lost not in db_session  # rolled back as a flushed new object is: out of the session
    assert db_session.scalar(select(func_count(Case.id))) == before
    assert db_session.scalar(select(func_count(AuditEvent.id)).where(AuditEvent.case_id == lost.id)) == 0
    again = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    assert db_session.get(Case, again.id).reference == again.reference


def func_count(column):  # noqa: ANN001, ANN201
    from sqlalchemy import func

    return func.count(column)


def test_a_completion_lets_its_case_go_without_the_cyclic_collector(db_session):
    """The step's workflow (a reference cycle with its tasks) no longer holds the case: once the caller drops
    the case, the session forgets it at once, so a long session's commits do not expire earlier cases again."""
    import gc
    import weakref

    case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
    case_id = case.id
    task_id = _open_task(db_session, case_id)
    del case
    gc.collect()
    gc.disable()
    try:
        done = cases.complete_task(db_session, task_id, OP, {"keputusan": "valid", "catatan": "Ok."})
        assert done.status and done.id == case_id  # the case handed back is as before
        gone = weakref.ref(done)
        del done
        assert gone() is None
        assert not any(isinstance(o, Case) for o in db_session.identity_map.values())
    finally:
        gc.enable()
    # The case moved on as before, and closes (no open task left for the inbox pages of later tests).
    field = _open_task(db_session, case_id)
    assert db_session.scalar(select(InboxTask.task_name).where(InboxTask.id == field)) == "tindak_lanjut_lapangan"
    assert cases.complete_task(db_session, field, OFFICER, FOLLOW_UP).completed


def test_a_start_lets_its_case_go_without_the_cyclic_collector(db_session):
    """As a completion: once the caller drops the new case, nothing of the start's workflow holds it."""
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        case = cases.start_case(db_session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
        case_id, gone = case.id, weakref.ref(case)
        del case
        assert gone() is None
    finally:
        gc.enable()
    # It started as before: its first task is open, and the case is closed so later tests' inboxes stay short.
    task = _open_task(db_session, case_id)
    assert db_session.scalar(select(InboxTask.task_name).where(InboxTask.id == task)) == "verifikasi"
    cases.complete_task(db_session, task, OP, {"keputusan": "valid", "catatan": "Ok."})
    assert cases.complete_task(db_session, _open_task(db_session, case_id), OFFICER, FOLLOW_UP).completed


def test_a_use_case_given_a_scoped_session_works_on_its_own_session(db_session):
    """unit_of_work hands the use case the scoped session's own Session (the proxy looked the scope up at every
    call): the same session, so the case is committed with it, and an error still rolls its transaction back."""
    from sqlalchemy.orm import Session, scoped_session, sessionmaker

    seen: list[object] = []

    @cases.unit_of_work
    def start(session, fail: bool = False):  # noqa: ANN001, ANN202
        seen.append(session)
        case = cases.begin_case(session, "pengaduan", REPORT, "warga", region_code=VILLAGE)
        if fail:
            raise ValueError("gagal")
        return case

    scoped = scoped_session(sessionmaker(bind=db_session.get_bind()))
    try:
        case = start(scoped)
        assert not isinstance(seen[0], scoped_session) and isinstance(seen[0], Session) and seen[0] is scoped()
        assert db_session.get(Case, case.id).reference == case.reference  # committed
        before = db_session.scalar(select(func.count()).select_from(Case))
        with pytest.raises(ValueError):
            start(scoped, fail=True)
        assert not scoped().in_transaction() and not scoped().new
        db_session.rollback()
        assert db_session.scalar(select(func.count()).select_from(Case)) == before
    finally:
        scoped.remove()
