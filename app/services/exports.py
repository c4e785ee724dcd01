"""Lists a line's package declares for download (service.json → exports): the cases whose status
reached one of the export's statuses in a month, one row each, as XLSX or CSV (e.g. the month's
approved PBI-APBD recipients for BPJS, the accepted DTKS proposals for the national system).

They carry full identities, so only read-all roles and the line's office-wide roles may take
them, and every download is logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from workflows import audit, cases, documents, persons
from workflows.db import AuditEvent, Case
from workflows.durations import SETTINGS as TIME
from workflows.packages import ServicePackage, text
from workflows.principal import Principal

from ..extensions import db

# Columns read from the case itself rather than its process variables.
CASE_COLUMNS = {"reference": lambda c: c.reference, "status": lambda c: c.status,
                "region_code": lambda c: c.region_code}


def may_export(principal: Principal, package: ServicePackage) -> bool:
    return principal.reads_everything or any(
        role.name in principal.roles and role.scope == "office" for role in package.descriptor.roles.values()
    )


def spec_of(package: ServicePackage, code: str) -> dict[str, Any] | None:
    return next((e for e in package.descriptor.raw.get("exports", []) if e["code"] == code), None)


def _reached_on(case: Case, statuses: set[str]) -> date | None:
    """The office date on which the case first reached one of the statuses."""
    for item in audit.status_history(db.session, case.id):
        if item["status"] in statuses:
            return item["at"].replace(tzinfo=UTC).astimezone(TIME.office_tz).date()
    return None


@dataclass
class ExportRows:
    headers: list[str]
    rows: list[list[Any]]
    niks: list[str]  # whose records the list shows (each download logs a view of them)


def rows(package: ServicePackage, spec: dict[str, Any], month: date) -> ExportRows:
    statuses = set(spec["statuses"])
    headers = [text(c["label"]) for c in spec["columns"]] + ["Tanggal"]
    # Only cases whose status changed around that month can have reached it then: a day of margin on each
    # side covers the office's time zone.
    start = datetime.combine(month, time()) - timedelta(days=1)
    end = datetime.combine((month + timedelta(days=32)).replace(day=1), time()) + timedelta(days=1)
    changed = select(AuditEvent.case_id).where(AuditEvent.action == "status_changed",
                                               AuditEvent.occurred_at >= start, AuditEvent.occurred_at < end)
    found = db.session.scalars(
        select(Case).where(Case.process_id == package.descriptor.process, Case.status.in_(sorted(statuses)),
                           Case.id.in_(changed))
        .order_by(Case.id)
    )
    out = ExportRows(headers, [], [])
    for case in found:
        reached = _reached_on(case, statuses)
        if reached is None or (reached.year, reached.month) != (month.year, month.month):
            continue
        data = cases.case_data(case)
        out.rows.append([CASE_COLUMNS[c["field"]](case) if c["field"] in CASE_COLUMNS else data.get(c["field"])
                         for c in spec["columns"]] + [reached.isoformat()])
        if case.subject_nik:
            out.niks.append(case.subject_nik)
    return out


def log(principal: Principal, package: ServicePackage, spec: dict[str, Any], month: date, fmt: str,
        exported: ExportRows) -> None:
    """The download, and a view of every person's record it carries (context names the list and month)."""
    documents.log_access(db.session, None, "export", package.id, principal.username, fmt)
    for nik in exported.niks:
        persons.log_view(db.session, principal, nik, f"ekspor:{package.code}:{spec['code']}:{month:%Y-%m}")
    db.session.commit()
