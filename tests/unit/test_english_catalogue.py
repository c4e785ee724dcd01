"""Every user-facing string marked for translation in the code and templates has English."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The same extraction as `make translations` (keywords and folders), into a file of the test's own.
KEYWORDS = ["_", "gettext", "lazy_gettext", "N_"]


def extracted(tmp_path: Path) -> list[str]:
    pot = tmp_path / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
               "-o", str(pot)]
    for keyword in KEYWORDS:
        command += ["-k", keyword]
    subprocess.run([*command, "app"], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id]


def english() -> dict[str, str]:
    with CATALOGUE.open("rb") as handle:
        return {(m.id if isinstance(m.id, str) else m.id[0]): (m.string if isinstance(m.string, str) else m.string[0])
                for m in read_po(handle) if m.id}


def untranslated(ids: list[str], catalogue: dict[str, str]) -> list[str]:
    return [i for i in ids if not (catalogue.get(i) or "").strip()]


def test_every_extracted_string_has_english(tmp_path):
    ids = extracted(tmp_path)
    # The extraction ran over Python code and templates alike.
    assert "Kirim Laporan" in ids and "Halaman tidak ditemukan" in ids
    missing = untranslated(ids, english())
    assert not missing, "no English in messages.po for:\n" + "\n".join(missing)


def test_the_check_names_a_string_without_english():
    catalogue = english()
    assert untranslated(["Kirim Laporan", "Teks uji tanpa terjemahan"], catalogue) == ["Teks uji tanpa terjemahan"]
    assert untranslated(["Kosong"], {"Kosong": "  "}) == ["Kosong"]
