"""The engine's letter mechanism (workflows/issued_letters.py) on the real database:
numbers from a gap-free yearly sequence per letter type, unique under concurrent
approvals (real threads), nothing left behind by a failed step, statuses."""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import POSTGRES, ROOT
from tests.packages import complaint_form, descriptor, package
from workflows import cases, issued_letters, storage
from workflows.cases import start_case
from workflows.db import Case, Counter, InboxTask
from workflows.errors import ConcurrentUpdate, LigatError
from workflows.issued_letters import Letter
from workflows.packages import deploy_package
from workflows.principal import HEAD_OF_OFFICE, OPERATOR, Principal

VILLAGE = "91.71.01.1001"
OPERATOR_P = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
KADIS = Principal("kadis", frozenset({HEAD_OF_OFFICE}), scopes=((HEAD_OF_OFFICE, "office"),))
_rng = random.Random()


def _nik() -> tuple[str, str]:
    born = date(_rng.randint(1950, 2004), _rng.randint(1, 12), _rng.randint(1, 28))
    return f"917101{born.day:02d}{born.month:02d}{born.year % 100:02d}{_rng.randint(1, 9999):04d}", born.isoformat()


def open_row(session: Session, case_id: int, name: str) -> InboxTask | None:
    session.expire_all()
    return session.scalar(
        select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.task_name == name, InboxTask.state == "open")
    )


def case_at_approval(session: Session) -> Case:
    nik, born = _nik()
    case = start_case(
        session, "pbi_jkn",
        {"nik": nik, "no_kk": "9171010101230001", "nama": "Agustina Rumbiak", "tempat_lahir": "Biak",
         "tanggal_lahir": born, "alamat": "Jl. Ampera 2", "kode_wilayah": VILLAGE, "alasan": "Tidak mampu",
         "nama_kelurahan": "Gurabesi", "pengaju": "kelurahan.gurabesi"},
        "kelurahan.gurabesi", region_code=VILLAGE, category="pbi_jkn", subject_nik=nik,
    )
    cases.complete_task(session, open_row(session, case.id, "verifikasi").id, OPERATOR_P, {"keputusan": "lengkap"})
    return case


def seq_of(number: str) -> int:
    return int(number.split("/")[1])


def test_concurrent_approvals_never_share_a_number(db_session):
    engine = db_session.get_bind()
    prepared = [case_at_approval(db_session) for _ in range(6)]
    rows = [open_row(db_session, c.id, "persetujuan").id for c in prepared]
    barrier = threading.Barrier(len(rows))
    lost: list[int] = []
    errors: list[BaseException] = []

    def approve(row_id: int) -> None:
        with Session(engine) as session:
            barrier.wait()
            for _attempt in range(20):
                try:
                    cases.complete_task(session, row_id, KADIS, {"keputusan_persetujuan": "setuju"})
                    return
                except ConcurrentUpdate:
                    # SQLite has one writer at a time: the loser is told and tries again, as a person would.
                    lost.append(row_id)
                except BaseException as exc:  # noqa: BLE001 (reported below)
                    errors.append(exc)
                    return
            errors.append(AssertionError(f"task {row_id} never completed"))

    threads = [threading.Thread(target=approve, args=(r,)) for r in rows]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    if POSTGRES:
        assert lost == []  # the counter's row lock queues them: nobody fails

    db_session.expire_all()
    issued = db_session.scalars(select(Letter).where(Letter.case_id.in_([c.id for c in prepared]))).all()
    assert len(issued) == len(prepared) and len({letter.case_id for letter in issued}) == len(prepared)
    numbers = sorted(seq_of(letter.number) for letter in issued)
    assert len(set(numbers)) == len(numbers)
    # Gap-free: the six approvals took six consecutive numbers (nothing else issues PBI letters meanwhile).
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    for case in prepared:
        assert open_row(db_session, case.id, "serahkan_surat") is not None


def test_failed_step_leaves_no_gap_and_no_file(db_session):
    case = case_at_approval(db_session)
    year = issued_letters.office_today().year
    name = "letter:pbi_jkn"

    def counter() -> int:
        db_session.expire_all()
        row = db_session.get(Counter, (name, year))
        return row.value if row else 0

    before = counter()
    # A template field left empty: the letter is refused, the number is not used.
    with pytest.raises(LigatError):
        issued_letters.issue(db_session, case, "kadis", "pbi_jkn", {"nama": "Agustina"})
    db_session.rollback()
    assert counter() == before

    # Issued, then the transaction rolls back: number back, file removed.
    fields = {"nama": "Agustina Rumbiak", "nik": "917101******0001", "no_kk": "917101******0001",
              "tempat_lahir": "Biak", "tanggal_lahir": "1 Mei 1990", "alamat": "Jl. Ampera", "kelurahan": "Gurabesi",
              "alasan": "Tidak mampu"}
    issued = issued_letters.issue(db_session, case, "kadis", "pbi_jkn", fields)
    path = storage.path_of(issued.letter.docx_key)
    assert path.is_file() and seq_of(issued.letter.number) == before + 1
    db_session.rollback()
    assert not path.exists() and counter() == before

    # The next one takes the number the rolled-back one had.
    issued = issued_letters.issue(db_session, case, "kadis", "pbi_jkn", fields)
    db_session.commit()
    assert seq_of(issued.letter.number) == before + 1 and storage.path_of(issued.letter.docx_key).is_file()


def letter_package_case(session: Session) -> Case:
    """A case of a small package that declares its own letter type (`uji_izin`, the LKS permit template)."""
    bpmn = (ROOT / "tests" / "data" / "camunda_sederhana.bpmn").read_bytes()
    bpmn = bpmn.replace(b'id="camunda_sederhana"', b'id="uji_surat"')
    letter = {"type": "uji_izin", "name": {"id": "Surat Uji Izin", "en": "Test permit letter"},
              "template": "uji_izin.docx", "number": "UJI/{seq:03d}/{tahun}"}
    files = package("uji_surat", {"uji_surat.bpmn": bpmn},
                    descriptor("uji_surat", "uji_surat", {OPERATOR: "office"}, letters=[letter]),
                    forms={"pengaduan_lengkapi.schema.json": complaint_form("pengaduan_lengkapi.schema.json")},
                    letters={"uji_izin.docx": (ROOT / "letters" / "izin_lks" / "izin_lks.docx").read_bytes()})
    definition = deploy_package(session, files).definitions[0]
    return cases.start_case(session, definition.process_id, {}, "tester", region_code=VILLAGE)


def test_each_letter_type_has_its_own_sequence_and_expiry(app, db_session):
    case = letter_package_case(db_session)
    fields = {"jenis_izin": "Izin Operasional", "nama_lks": "LKS Kasih", "alamat_lks": "Jl. Sentani",
              "ketua_lks": "Ibu Ruth"}
    first = issued_letters.issue(db_session, case, "kadis", "uji_izin", fields, holder_name="LKS Kasih",
                                 valid_until="P1Y")
    second = issued_letters.issue(db_session, case, "kadis", "uji_izin", fields,
                                  holder_name="LKS Kasih", valid_until=(date.today() - timedelta(days=1)).isoformat())
    db_session.commit()
    assert seq_of(second.letter.number) == seq_of(first.letter.number) + 1
    assert first.letter.number.startswith("UJI/") and first.letter.holder_nik_masked is None
    assert first.letter.type_label == "Surat Uji Izin" and first.letter.template == "uji_izin.docx"
    assert first.letter.valid_until.year == first.letter.issued_on.year + 1
    assert first.letter.public_status() == "valid"
    assert first.letter.public_status(first.letter.valid_until + timedelta(days=1)) == "expired"
    html = app.test_client().get(f"/verifikasi/{second.letter.token}").get_data(as_text=True)
    assert 'data-status="expired"' in html and "KEDALUWARSA" in html and "L** K****" in html
    assert "Surat Uji Izin" in html  # the type as the package named it

    # Only the letter types of the case's own package: not an unknown one, nor another package's.
    for other in ("tidak_ada", "pbi_jkn"):
        with pytest.raises(LigatError, match="tidak dinyatakan di paket"):
            issued_letters.issue(db_session, case, "kadis", other, fields)
        db_session.rollback()


def test_only_head_of_office_or_admin_revokes(db_session):
    case = case_at_approval(db_session)
    cases.complete_task(db_session, open_row(db_session, case.id, "persetujuan").id, KADIS,
                        {"keputusan_persetujuan": "setuju"})
    letter = db_session.scalar(select(Letter).where(Letter.case_id == case.id))
    with pytest.raises(LigatError, match="Hanya Kepala Dinas"):
        issued_letters.revoke(db_session, letter.id, OPERATOR_P, "Tidak sah")
    with pytest.raises(LigatError, match="Alasan"):
        issued_letters.revoke(db_session, letter.id, KADIS, "")
    revoked = issued_letters.revoke(db_session, letter.id, KADIS, "Data tidak benar")
    assert revoked.status == "revoked" and revoked.public_status() == "revoked"


def test_scheduler_makes_pdfs_of_issued_letters(app, db_session):
    from app.scheduler import run_pdf_job

    case = case_at_approval(db_session)
    cases.complete_task(db_session, open_row(db_session, case.id, "persetujuan").id, KADIS,
                        {"keputusan_persetujuan": "setuju"})
    letter = db_session.scalar(select(Letter).where(Letter.case_id == case.id))
    assert letter.pdf_key is None
    # The job makes the oldest letters' PDFs first, a batch a run: earlier tests' letters may come before it.
    older = db_session.scalar(select(func.count()).select_from(Letter).where(Letter.pdf_key.is_(None),
                                                                             Letter.id < letter.id))
    for _ in range(older // 20 + 1):
        assert run_pdf_job(app) >= 1
    db_session.expire_all()
    letter = db_session.get(Letter, letter.id)
    assert letter.pdf_key and storage.read(letter.pdf_key).startswith(b"%PDF")
