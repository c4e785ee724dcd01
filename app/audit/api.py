"""The audit search over the API: the same filters and records as the auditor's page
(GET /api/v1/audit/?jenis=peristiwa|akses_warga|unduhan&tiket=&pengguna=&aksi=&dari=&sampai=&layanan=&hal=),
NIK and KK masked, times in UTC (ISO 8601, `Z`)."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.api import BaseApi, expose, protect

from letters import mask_nik
from workflows.audit_search import EVENTS, PERSON_VIEWS, search

from ..casedata import form_fields
from ..extensions import db
from ..security import AUDIT
from .readable import readable
from .views import QueryRefused, query_from_args


def _iso(moment: Any) -> str:
    return moment.isoformat() + "Z"


class AuditApi(BaseApi):
    resource_name = "audit"
    class_permission_name = AUDIT
    base_permissions = ["can_read"]  # the same set as AuditView (see DESIGN.md on FAB)
    method_permission_name = {"records": "read"}

    @expose("/", methods=["GET"])
    @protect(allow_browser_login=True)
    def records(self):  # noqa: ANN201
        """One page of audit events or access-log rows matching the filters, newest first."""
        try:
            query = query_from_args()
        except QueryRefused as exc:
            return self.response(400, message=str(exc))
        result = search(db.session, query)
        references = {case_id: case.reference for case_id, case in result.cases.items()}
        if query.kind == EVENTS:
            fields: dict[int, dict] = {}
            rows = []
            for event in result.rows:
                case = result.cases.get(event.case_id)
                if case is not None and case.id not in fields:
                    fields[case.id] = form_fields(case)
                item = readable(event, case, mask=True, fields=fields.get(event.case_id, {}))
                rows.append({"case": references.get(event.case_id), "seq": event.seq, "at": _iso(event.occurred_at),
                             "actor": event.actor, "action": event.action, "label": item.label,
                             "task": event.task_name, "task_title": event.task_title,
                             "data": [{"label": i.label, "value": i.text} for i in item.items], "hash": event.hash})
        elif query.kind == PERSON_VIEWS:
            rows = [{"case": references.get(v.case_id), "at": _iso(v.viewed_at), "user": v.username,
                     "nik": mask_nik(v.nik), "context": v.context} for v in result.rows]
        else:
            rows = [{"case": references.get(a.case_id), "at": _iso(a.accessed_at), "user": a.username,
                     "object_type": a.object_type, "object_id": a.object_id, "variant": a.variant}
                    for a in result.rows]
        return self.response(200, result=rows, total=result.total, page=result.page, pages=result.pages)
