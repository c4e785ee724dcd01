"""Read-only information panels beside a task form or on a case page.

A service line registers a provider for its process id; the task page shows its
panels above the form (e.g. the DTKS result and earlier services of a NIK for
the PBI-JKN verifier). Every case page and task page also lists the case's
documents and letters (`case_files`). Providers that show a person's record log
the view (workflows.persons.log_view).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from workflows import documents, issued_letters
from workflows.db import Case, InboxTask
from workflows.principal import Principal

from .extensions import db
from .security import current_principal


@dataclass
class Panel:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    kind: str = "default"  # bootstrap panel style: default, info, warning, danger, success
    note: str | None = None
    html_id: str | None = None
    items: list[str] = field(default_factory=list)


Provider = Callable[[InboxTask | None, Case, Principal], list[Panel]]
PROVIDERS: dict[str, Provider] = {}


def register_panels(process_id: str) -> Callable[[Provider], Provider]:
    def wrap(provider: Provider) -> Provider:
        PROVIDERS[process_id] = provider
        return provider

    return wrap


def task_panels(row: InboxTask) -> list[Panel]:
    provider = PROVIDERS.get(row.case.process_id)
    return provider(row, row.case, current_principal()) if provider else []


@dataclass
class CaseFiles:
    documents: list[documents.CaseDocument]
    letters: list[issued_letters.Letter]
    can_revoke: bool


def case_files(case: Case) -> CaseFiles:
    """Documents and letters of a case (the caller has already checked the case may be seen)."""
    return CaseFiles(
        documents.for_case(db.session, case.id),
        issued_letters.for_case(db.session, case.id),
        issued_letters.can_revoke(current_principal()),
    )
