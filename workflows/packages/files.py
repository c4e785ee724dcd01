"""A service package as files: where they come from (the repository's folders, an uploaded
archive, the designer's draft) and its content hash.

Paths are the repository's own: `bpmn/<code>/service.json`, `bpmn/<code>/*.bpmn`,
`bpmn/<code>/*.dmn`, `bpmn/<code>/tests/*.json`, `forms/<code>/*.json`,
`letters/<code>/*.docx`. An archive holds the same paths, so a package moves between a
checkout, a zip file and the database without renaming anything.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeployError

AREAS = ("bpmn", "forms", "letters")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_FILE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")
MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
MAX_FILES = 300


@dataclass
class PackageFiles:
    code: str
    files: dict[str, bytes] = field(default_factory=dict)

    def path(self, area: str, name: str) -> str:
        return f"{area}/{self.code}/{name}"

    def get(self, area: str, name: str) -> bytes | None:
        return self.files.get(self.path(area, name))

    def names(self, area: str, suffix: str = "", sub: str = "") -> list[str]:
        """File names (relative to the area's folder) in one area, sorted."""
        prefix = f"{area}/{self.code}/{sub}"
        return sorted(p[len(prefix):] for p in self.files if p.startswith(prefix) and p.endswith(suffix)
                      and "/" not in p[len(prefix):])

    @property
    def descriptor_bytes(self) -> bytes | None:
        return self.get("bpmn", "service.json")

    def content_hash(self) -> str:
        """Same files → same hash, whatever order or container they came in."""
        digest = hashlib.sha256()
        for path in sorted(self.files):
            data = self.files[path]
            digest.update(path.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
        return digest.hexdigest()

    def to_archive(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.files):
                info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, self.files[path])
        return buffer.getvalue()


def _check_path(path: str, code: str) -> str | None:
    parts = path.split("/")
    if len(parts) not in (3, 4) or parts[0] not in AREAS or parts[1] != code:
        return None
    if len(parts) == 4 and not (parts[0] == "bpmn" and parts[2] == "tests"):
        return None
    if not all(_FILE_RE.match(p) for p in parts[2:]) or any(p.startswith(".") for p in parts):
        return None
    return path


def from_directories(root: Path, code: str) -> PackageFiles:
    """Read a package from a checkout: `root/bpmn/<code>`, `root/forms/<code>`, `root/letters/<code>`."""
    if not CODE_RE.match(code):
        raise DeployError(f"Kode paket '{code}' tidak sah: huruf kecil, angka dan _ saja. "
                          f"(Invalid package code '{code}'.)")
    package = PackageFiles(code)
    for area in AREAS:
        folder = root / area / code
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith("."):
                rel = path.relative_to(root).as_posix()
                if _check_path(rel, code):
                    package.files[rel] = path.read_bytes()
    if package.descriptor_bytes is None:
        raise DeployError(f"Paket '{code}' tidak punya bpmn/{code}/service.json. "
                          f"(Package '{code}' has no bpmn/{code}/service.json.)")
    return package


def from_archive(data: bytes) -> PackageFiles:
    """Read a package from a zip archive holding the repository paths of one package."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise DeployError("Arsip paket terlalu besar (maks. 20 MB). (Package archive too large, max 20 MB.)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise DeployError("Berkas bukan arsip zip. (The file is not a zip archive.)") from exc
    entries = [i for i in archive.infolist() if not i.is_dir()]
    descriptors = [i.filename for i in entries if re.fullmatch(r"bpmn/[a-z][a-z0-9_]*/service\.json", i.filename)]
    if len(descriptors) != 1:
        raise DeployError("Arsip harus memuat tepat satu bpmn/<kode>/service.json. "
                          "(The archive must hold exactly one bpmn/<code>/service.json.)")
    code = descriptors[0].split("/")[1]
    if len(entries) > MAX_FILES:
        raise DeployError(f"Arsip memuat lebih dari {MAX_FILES} berkas. (More than {MAX_FILES} files.)")
    package = PackageFiles(code)
    bad = []
    total = 0
    for info in entries:
        if not _check_path(info.filename, code):
            bad.append(info.filename)
            continue
        total += info.file_size
        if total > MAX_ARCHIVE_BYTES * 3:  # a zip bomb stops here, before it is read
            raise DeployError("Isi arsip terlalu besar. (Archive content too large.)")
        package.files[info.filename] = archive.read(info)
    if bad:
        raise DeployError(
            "Berkas di luar bpmn/, forms/ atau letters/ paket ini: " + ", ".join(bad[:10])
            + f" (Files outside this package's folders: {', '.join(bad[:10])})"
        )
    return package


def bundled_codes(root: Path) -> list[str]:
    """Codes of the packages in a checkout: every bpmn/<code>/ with a service.json."""
    return sorted(p.parent.name for p in (root / "bpmn").glob("*/service.json") if CODE_RE.match(p.parent.name))
