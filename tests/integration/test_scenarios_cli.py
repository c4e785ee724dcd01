"""`flask ligat scenarios`: runs a package's scenario tests in a throw-away database, prints each
result with its path or its failing step, and exits non-zero on a failure. The app's own database
and upload folder are not touched."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import func, select

from tests.conftest import ROOT
from workflows.db import Case


def uploads(app) -> list:
    folder = app.config["LIGAT_UPLOAD_DIR"]
    from pathlib import Path

    return sorted(p for p in Path(folder).rglob("*") if p.is_file()) if Path(folder).exists() else []


def test_cli_runs_a_package_and_leaves_the_app_database_alone(app, db_session):
    cases_before = db_session.scalar(select(func.count()).select_from(Case))
    files_before = uploads(app)
    result = app.test_cli_runner().invoke(args=["ligat", "scenarios", "pbi_jkn"])
    assert result.exit_code == 0, result.output
    assert "LULUS bpmn/pbi_jkn/tests/dikembalikan_lalu_disetujui.json" in result.output
    assert "jalur / path: start_pbi → f_start → atur_sla" in result.output
    assert "1 skenario, 0 gagal. (1 scenario(s), 0 failed.)" in result.output
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Case)) == cases_before
    assert uploads(app) == files_before  # the letter and uploads of the run were removed again


def test_cli_fails_on_a_failing_scenario_and_names_the_step(app, tmp_path, monkeypatch):
    for area in ("bpmn", "forms", "letters"):
        if (ROOT / area / "pengaduan").is_dir():
            shutil.copytree(ROOT / area / "pengaduan", tmp_path / area / "pengaduan")
    failing = {"name": {"id": "Salah jawab", "en": "Wrong answer"},
               "start": {"data": {"kategori": "pengemis", "deskripsi": "Pengemis anak di simpang",
                                  "lokasi": "Simpang Entrop", "kode_wilayah": "91.71.01.1001"},
                         "region": "91.71.01.1001"},
               "steps": [{"complete": "verifikasi", "answers": {"keputusan": "tidak_valid", "alasan": "Bukan PMKS"}}],
               "end": {"status": "Selesai"}}
    (tmp_path / "bpmn" / "pengaduan" / "tests" / "salah.json").write_text(json.dumps(failing), encoding="utf-8")
    monkeypatch.setitem(app.config, "LIGAT_PACKAGES_DIR", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["ligat", "scenarios", "pengaduan"])
    assert result.exit_code == 1, result.output
    assert "LULUS bpmn/pengaduan/tests/jalur_utama_eskalasi.json" in result.output
    assert "GAGAL bpmn/pengaduan/tests/salah.json · Salah jawab · status akhir: Ditolak" in result.output
    assert "Tidak sesuai harapan (status): diharapkan 'Selesai', nyatanya 'Ditolak'" in result.output
    assert "Not as expected (status): expected 'Selesai', got 'Ditolak'" in result.output
    assert "3 skenario, 1 gagal." in result.output


def test_cli_needs_a_code_or_all(app):
    result = app.test_cli_runner().invoke(args=["ligat", "scenarios"])
    assert result.exit_code != 0 and "Sebutkan kode paket atau --all" in result.output
