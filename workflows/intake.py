"""Start a case together with its uploaded documents, in one transaction.

Service lines that begin with files (PBI-JKN: KTP, KK, SKTM) use this instead of
`cases.start_case`: the documents are stored and linked to the new case, and
their ids become process variables (`ktp`, `kk`, … = document id), so the case,
its first tasks, its audit events and its files exist together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from . import documents
from .cases import begin_case, unit_of_work
from .db import Case


@dataclass(frozen=True)
class Upload:
    kind: str  # form field / process variable name
    filename: str
    data: bytes


@unit_of_work
def start_case_with_documents(
    session: Session, process_id: str, data: dict[str, Any], actor: str, uploads: list[Upload], **options: Any
) -> Case:
    stored = [documents.add(session, None, u.kind, u.filename, u.data, actor) for u in uploads]
    data = {**data, **{d.kind: d.id for d in stored}}
    # This function's own unit of work commits once, for the case and its documents.
    case = begin_case(session, process_id, data, actor, **options)
    for document in stored:
        document.case_id = case.id
    return case
