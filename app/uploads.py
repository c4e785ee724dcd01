"""File fields of task forms (schema property `"x-berkas": true`, widget `file`).

A file field's value in the process is the id of a `case_document` row. Ids are
never taken from the submitted form text: only a file actually uploaded in this
request, checked by content, becomes a document of this task's case.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask import session as browser_session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict

from workflows import documents
from workflows.cases import Upload

from .extensions import db

# A form left open over lunch still finds its files (the scheduler removes them after this).
STAGED_MAX_AGE = int(documents.STAGED_KEPT.total_seconds())


def file_fields(schema: dict[str, Any] | None) -> list[str]:
    return [name for name, prop in (schema or {}).get("properties", {}).items() if prop.get("x-berkas")]


def read_upload(storage: FileStorage | None) -> bytes | None:
    """The file's bytes, or None when the field was left empty. Reads at most the size limit + 1 byte."""
    if storage is None or not storage.filename:
        return None
    return storage.stream.read(documents.SETTINGS.max_bytes + 1)


def take_task_uploads(
    session: Session, schema: dict[str, Any] | None, case_id: int, username: str, data: dict[str, Any],
    files: MultiDict,
) -> dict[str, str]:
    """Store the uploads of a task form inside the caller's transaction; put their ids into `data`.

    Returns errors by field (a refused file never becomes a document).
    """
    errors: dict[str, str] = {}
    for name in file_fields(schema):
        data.pop(name, None)
        storage = files.get(name)
        content = read_upload(storage)
        if content is None:
            continue
        try:
            document = documents.add(session, case_id, name, storage.filename, content, username)
        except documents.UploadRefused as exc:
            errors[name] = str(exc)
            continue
        data[name] = str(document.id)
    return errors


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ligat-staged-upload")


def staged_token(upload: Upload) -> str:
    """A signed note of a file kept from a refused try, valid for this browser session only."""
    return _serializer().dumps({"d": upload.document_id, "k": upload.kind, "n": upload.filename,
                                "s": browser_session.get("csrf_token", "")})


def _from_token(name: str, token: str | None) -> Upload | None:
    if not token:
        return None
    try:
        note = _serializer().loads(token, max_age=STAGED_MAX_AGE)
    except BadSignature:
        return None
    if note.get("k") != name or note.get("s") != browser_session.get("csrf_token", "") or not note.get("d"):
        return None
    return Upload(name, str(note.get("n") or name), document_id=int(note["d"]))


def stage_uploads(uploads: list[Upload], username: str) -> list[Upload]:
    """Keep the accepted files of a refused form (stored, no case yet) so the person need not upload
    them again; they join the case when the form is accepted. Commits."""
    kept = []
    for upload in uploads:
        if upload.document_id is None:
            document = documents.add(db.session, None, upload.kind, upload.filename, upload.data, username,
                                      upload.checked)
            upload = Upload(upload.kind, upload.filename, document_id=document.id)
        kept.append(upload)
    db.session.commit()
    return kept


def collect_new_case_uploads(
    schema: dict[str, Any], data: dict[str, Any], files: MultiDict
) -> tuple[list[Upload], dict[str, str]]:
    """Files of a form that starts a case: checked now, stored with the case later (one transaction).

    Each accepted file's field gets a placeholder id so the schema check sees it; the real
    document id is set when the case is stored. A field left empty reuses the file kept from an
    earlier, refused try of the same form (its signed note in `<field>__berkas`). Returns
    (uploads, errors by field).
    """
    uploads: list[Upload] = []
    errors: dict[str, str] = {}
    for name in file_fields(schema):
        data.pop(name, None)  # a file field's value is never taken from text
        kept = _from_token(name, data.pop(f"{name}__berkas", None))
        storage = files.get(name)
        content = read_upload(storage)
        if content is None:
            if kept is not None:
                uploads.append(kept)
                data[name] = "0"
            continue
        try:
            checked = documents.check_upload(content, storage.filename)
        except documents.UploadRefused as exc:
            errors[name] = str(exc)
            continue
        uploads.append(Upload(name, storage.filename, content, checked=checked))
        data[name] = "0"
    return uploads, errors
