"""Service packages for tests: the bundled ones read from the checkout, and small ones made here
around a single BPMN file (the way a designer's package looks, with its descriptor)."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ROOT
from workflows.packages import PackageFiles, from_directories


def bundled(code: str) -> PackageFiles:
    return from_directories(ROOT, code)


def changed(package: PackageFiles, path: str, old: bytes, new: bytes) -> PackageFiles:
    """A copy of a package with one replacement in one file (the replacement must happen)."""
    files = dict(package.files)
    assert old in files[path], f"{old!r} not in {path}"
    files[path] = files[path].replace(old, new)
    return PackageFiles(package.code, files)


def descriptor(code: str, process: str, roles: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": {"id": f"Uji {code}", "en": f"Test {code}"},
        "process": process,
        "catalogue": {"summary": {"id": "Uji", "en": "Test"}, "requirements": [],
                      "duration": {"id": "1 hari", "en": "1 day"}, "cost": {"id": "Gratis", "en": "Free"},
                      "bidang": "rehsos"},
        "roles": [{"name": name, "scope": scope} for name, scope in roles.items()],
        **extra,
    }


def package(code: str, bpmn: dict[str, bytes], desc: dict[str, Any], forms: dict[str, Any] | None = None,
            letters: dict[str, bytes] | None = None, dmn: dict[str, bytes] | None = None) -> PackageFiles:
    files = {f"bpmn/{code}/service.json": json.dumps(desc).encode()}
    files |= {f"bpmn/{code}/{name}": data for name, data in bpmn.items()}
    files |= {f"bpmn/{code}/{name}": data for name, data in (dmn or {}).items()}
    files |= {f"forms/{code}/{name}": json.dumps(value).encode() for name, value in (forms or {}).items()}
    files |= {f"letters/{code}/{name}": data for name, data in (letters or {}).items()}
    return PackageFiles(code, files)


def complaint_form(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "forms" / "pengaduan" / name).read_text(encoding="utf-8"))


def data_package(code: str, bpmn_name: str, roles: dict[str, str], forms: tuple[str, ...] = ()) -> PackageFiles:
    """A package around one file of tests/data, its process id taken from the file name."""
    data = (ROOT / "tests" / "data" / bpmn_name).read_bytes()
    process = bpmn_name.removesuffix(".bpmn")
    return package(code, {bpmn_name: data}, descriptor(code, process, roles),
                   forms={name: complaint_form(name) for name in forms})
