"""The bulk migration over the API, for process designers and admins:

GET  /api/v1/designer/<code>/migrations/           versions (running cases on each) and past migrations
POST /api/v1/designer/<code>/migrations/preview    which selected cases can move, and why not
POST /api/v1/designer/<code>/migrations/           move them; 201 with the run's summary
GET  /api/v1/designer/<code>/migrations/<run_id>   one past migration, case by case

Bodies: {"from_version": 1, "to_version": 2, "filter": {"status", "task", "started_from",
"started_to", "cases": [ids or references]}, "expected": {case id: lock version from the preview}}.
POSTs take a JWT only (no browser session: the API is not behind CSRF)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect

from workflows import migration
from workflows.errors import LigatError, NotFound

from ..extensions import db
from ..security import DESIGNER, current_principal
from .requests import read


def run_json(run: migration.CaseMigration, with_results: bool = False) -> dict[str, Any]:
    body = {"id": run.id, "code": run.package_code, "from_version": run.from_version, "to_version": run.to_version,
            "actor": run.actor, "started_at": run.started_at.isoformat() + "Z",
            "finished_at": run.finished_at.isoformat() + "Z" if run.finished_at else None,
            "filter": run.filter, "selected": run.selected, "moved": run.moved, "not_moved": run.not_moved}
    if with_results:
        body["results"] = run.results
    return body


class MigrationApi(BaseApi):
    route_base = "/api/v1/designer"
    class_permission_name = DESIGNER
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"list": "read", "preview": "read", "move": "write", "show": "read"}

    def _known(self, code: str) -> list | None:
        return migration.versions(db.session, code) or None

    def _asked(self) -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise migration.MigrationInvalid("Kirim objek JSON. (Send a JSON object.)")
        return read(body, body.get("filter") or {})

    @expose("/<code>/migrations/", methods=["GET"])
    @protect(allow_browser_login=True)
    def list(self, code: str):  # noqa: ANN201 (FAB's view signature)
        packages = self._known(code)
        if packages is None:
            return self.response_404()
        counts = migration.running_counts(db.session, code)
        return self.response(200, versions=[
            {"version": p.version, "deployed_at": p.deployed_at.isoformat() + "Z", "deployed_by": p.deployed_by,
             "running_cases": counts.get(p.version, 0)} for p in packages],
            result=[run_json(r) for r in migration.runs(db.session, code)])

    @expose("/<code>/migrations/preview", methods=["POST"])
    @protect()
    def preview(self, code: str):  # noqa: ANN201
        if self._known(code) is None:
            return self.response_404()
        try:
            asked = self._asked()
            found = migration.preview(db.session, code, asked.from_version, asked.to_version, asked.chosen)
        except NotFound as exc:
            return self.response(404, message=str(exc))
        except LigatError as exc:
            return self.response(400, message=str(exc))
        return self.response(200, result=found.as_dict())

    @expose("/<code>/migrations/", methods=["POST"])
    @protect()
    def move(self, code: str):  # noqa: ANN201
        if self._known(code) is None:
            return self.response_404()
        try:
            asked = self._asked()
            run = migration.migrate(db.session, code, asked.from_version, asked.to_version, asked.chosen,
                                    current_principal().username, asked.expected)
        except NotFound as exc:
            return self.response(404, message=str(exc))
        except migration.NothingSelected as exc:
            return self.response(422, message=str(exc))
        except LigatError as exc:
            db.session.rollback()
            return self.response(400, message=str(exc))
        return self.response(201, result=run_json(run, with_results=True))

    @expose("/<code>/migrations/<int:run_id>", methods=["GET"])
    @protect(allow_browser_login=True)
    def show(self, code: str, run_id: int):  # noqa: ANN201
        try:
            run = migration.run_of(db.session, code, run_id)
        except NotFound as exc:
            return self.response(404, message=str(exc))
        return self.response(200, result=run_json(run, with_results=True))
