"""File fields of task forms (schema property `"x-berkas": true`, widget `file`).

A file field's value in the process is the id of a `case_document` row. Ids are
never taken from the submitted form text: only a file actually uploaded in this
request, checked by content, becomes a document of this task's case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict

from workflows import documents
from workflows.cases import Upload


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


def collect_new_case_uploads(
    schema: dict[str, Any], data: dict[str, Any], files: MultiDict
) -> tuple[list[Upload], dict[str, str]]:
    """Files of a form that starts a case: checked now, stored with the case later (one transaction).

    Each accepted file's field gets a placeholder id so the schema check sees it; the real
    document id is set when the case is stored. Returns (uploads, errors by field).
    """
    uploads: list[Upload] = []
    errors: dict[str, str] = {}
    for name in file_fields(schema):
        data.pop(name, None)  # a file field's value is never taken from text
        storage = files.get(name)
        content = read_upload(storage)
        if content is None:
            continue
        try:
            documents.check_upload(content, storage.filename)
        except documents.UploadRefused as exc:
            errors[name] = str(exc)
            continue
        uploads.append(Upload(name, storage.filename, content))
        data[name] = "0"
    return uploads, errors
