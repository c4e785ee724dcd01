"""The engine layer on its own: set up through workflows.bootstrap, on a plain database, with no
web app. A complaint runs from start to close; who sees it follows the package's roles."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import select

from tests.conftest import ROOT
from workflows import cases
from workflows.db import Case, InboxTask
from workflows.principal import FIELD_OFFICER, KELURAHAN_OFFICER, OPERATOR
from workflows.visibility import can_view_case, case_list_query, principal

VILLAGE = "91.71.01.1001"
REPORT = {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang", "lokasi": "Simpang Entrop",
          "kode_wilayah": VILLAGE}


def open_task(session, case_id: int) -> InboxTask:
    session.expire_all()
    return session.scalar(select(InboxTask).where(InboxTask.case_id == case_id, InboxTask.state == "open"))


def test_the_engine_imports_no_flask():
    """Run a whole case in a fresh interpreter and look at what it loaded."""
    script = textwrap.dedent(f"""
        import sys, tempfile
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session
        from workflows import bootstrap, cases
        from workflows.db import Base
        from workflows.deployment import deploy_bundled
        bootstrap.configure(bootstrap.EngineConfig(upload_dir=Path(tempfile.mkdtemp())))
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            deploy_bundled(session, Path({str(ROOT)!r}))
            case = cases.start_case(session, "pengaduan", {REPORT!r}, "warga", region_code={VILLAGE!r})
            assert case.status == "Verifikasi", case.status
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "flask_appbuilder", "werkzeug", "app"))
        print("LOADED", loaded)
        assert not loaded, loaded
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "LOADED []" in result.stdout


def test_a_complaint_runs_to_its_end_without_the_app(session):
    case = cases.start_case(session, "pengaduan", REPORT, "warga", region_code=VILLAGE, category="pengemis")
    operator = principal(session, "operator", {OPERATOR})
    cases.complete_task(session, open_task(session, case.id).id, operator, {"keputusan": "valid"})
    row = open_task(session, case.id)
    assert row.task_name == "tindak_lanjut_lapangan" and row.bidang == "rehsos"
    field = principal(session, "lapangan.rehsos", {FIELD_OFFICER}, bidang="rehsos")
    cases.complete_task(session, row.id, field, {"temuan": "Anak ditemukan", "tindakan": "Dijangkau dan dirujuk",
                                                 "catatan_publik": "Sudah ditangani petugas"})
    session.expire_all()
    done = session.get(Case, case.id)
    assert done.completed and done.status == "Selesai"


def test_scopes_come_from_the_deployed_packages(session):
    case = cases.start_case(session, "pengaduan", REPORT, "warga", region_code=VILLAGE, category="pengemis")
    operator = principal(session, "operator", {OPERATOR})
    kelurahan = principal(session, "rina", {KELURAHAN_OFFICER}, region_code=VILLAGE)
    no_bidang = principal(session, "baru", {FIELD_OFFICER})
    assert operator.scope_of(OPERATOR) == "office" and kelurahan.scope_of(KELURAHAN_OFFICER) == "region"
    assert can_view_case(operator, case)
    assert not can_view_case(kelurahan, case)  # no lane in complaints
    assert not can_view_case(no_bidang, case)  # bidang-scoped without a bidang: nothing
    listed = set(session.scalars(case_list_query(session, operator).limit(1000)))
    assert case in listed
    assert case not in set(session.scalars(case_list_query(session, kelurahan)))
