"""Files kept outside the web root: uploads and issued letters.

A file is stored under a random name (the original name is only metadata) and
addressed by a storage key such as `documents/2026/3f9c…e1.pdf`. A file written
inside a transaction that is then rolled back is removed again, so a refused
step leaves no orphan on disk.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .db import utcnow

_KEY = re.compile(r"^[a-z_]+/\d{4}/[0-9a-f]{32}\.[a-z0-9]{2,5}$")
_PENDING = "ligat_new_files"


@dataclass
class StorageSettings:
    """Set once by the application (config LIGAT_UPLOAD_DIR / LIGAT_LETTER_DIR)."""

    roots: dict[str, Path]
    # Per area, the table columns that hold its keys (see `owned_by`): a file none of them names,
    # older than the longest transaction could be, was left by a crash mid-step.
    owners: dict[str, list] = field(default_factory=dict)

    def root(self, area: str) -> Path:
        redirected = _REDIRECTED.get()
        if redirected and area in redirected:
            return redirected[area]
        if area not in self.roots:
            raise KeyError(f"Tempat penyimpanan '{area}' belum diatur.")
        return self.roots[area]


SETTINGS = StorageSettings(roots={})
# Per run (thread or task), areas written elsewhere: a scenario run's files go to its own folder and
# never touch the process-wide roots, so concurrent runs in one process cannot disturb each other.
_REDIRECTED: ContextVar[dict[str, Path] | None] = ContextVar("ligat_storage_redirected", default=None)


@contextmanager
def redirected(areas: list[str], root: str | Path) -> Iterator[None]:
    """Within the block, and only in the current thread/context, files of `areas` are kept under `root`."""
    token = _REDIRECTED.set({**(_REDIRECTED.get() or {}), **{area: Path(root) for area in areas}})
    try:
        yield
    finally:
        _REDIRECTED.reset(token)


def configure(area: str, root: str | Path) -> None:
    SETTINGS.roots[area] = Path(root)


def owned_by(area: str, *columns: object) -> None:
    """Declare the columns that hold this area's storage keys (a module that stores files calls it)."""
    known = SETTINGS.owners.setdefault(area, [])
    known.extend(c for c in columns if c not in known)


ORPHAN_AGE = timedelta(hours=1)


def remove_orphans(session: Session, older_than: timedelta = ORPHAN_AGE, limit: int = 2000) -> int:
    """Delete files of areas with declared owners that no row names (a process killed between
    writing the file and committing its row leaves one). Only files older than `older_than` are
    considered, so a step still in flight keeps its files. The files are checked against the
    tables 500 at a time, so live files never hide orphans further on; at most `limit` are removed
    per call. Returns how many were removed."""
    cutoff = (utcnow() - older_than).timestamp()
    removed = 0
    for area, columns in SETTINGS.owners.items():
        root = SETTINGS.roots.get(area)
        if root is None or not (root / area).is_dir():
            continue
        batch: dict[str, Path] = {}
        for path in (root / area).glob("*/*"):
            key = f"{area}/{path.parent.name}/{path.name}"
            if _KEY.match(key) and path.is_file() and path.stat().st_mtime < cutoff:
                batch[key] = path
            if len(batch) >= 500:
                removed += _remove_unnamed(session, columns, batch, limit - removed)
                batch = {}
            if removed >= limit:
                return removed
        removed += _remove_unnamed(session, columns, batch, limit - removed)
        if removed >= limit:
            return removed
    return removed


def _remove_unnamed(session: Session, columns: list, batch: dict[str, Path], room: int) -> int:
    """Delete the files of `batch` (key → path) that no column names, at most `room` of them."""
    if not batch or room <= 0:
        return 0
    named: set[str] = set()
    for column in columns:
        named.update(session.scalars(select(column).where(column.in_(list(batch)))))
    removed = 0
    for key, path in batch.items():
        if key not in named and removed < room:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def store(session: Session | None, area: str, data: bytes, extension: str) -> str:
    """Write `data` under a random name; returns its storage key.

    With a session, the file is deleted again if that session's transaction rolls back.
    """
    key = f"{area}/{utcnow().year}/{secrets.token_hex(16)}.{extension.lower()}"
    path = path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never overwrite, even on the (theoretical) collision of two random names.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    if session is not None:
        session.info.setdefault(_PENDING, []).append(path)
    return key


def path_of(key: str) -> Path:
    """Absolute path of a storage key; refuses anything that is not a key we made."""
    if not _KEY.match(key or ""):
        raise ValueError("Kunci penyimpanan tidak sah.")
    area = key.split("/", 1)[0]
    return SETTINGS.root(area) / key


def read(key: str) -> bytes:
    return path_of(key).read_bytes()


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_files(session: Session, previous_transaction) -> None:  # noqa: ANN001 (SQLAlchemy's signature)
    if previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction may still commit these files
    for path in session.info.pop(_PENDING, []):
        try:
            path.unlink()
        except FileNotFoundError:
            pass
