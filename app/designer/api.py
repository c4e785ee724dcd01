"""The designer's workbench over JSON, under /api/v1/designer/: packages and versions, the draft and
its files (raw bodies), check, try, diff, publish, roll back, and the form preview.

For Perancang Proses and Admin (permission `Designer`); the workbench pages call it with their
session and the CSRF token in `X-CSRFToken`; other clients use a JWT. Errors answer with
`message_id` and `message_en`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose, protect

from workflows.errors import DeployError, NotFound
from workflows.packages import files_of, latest_package
from workflows.packages.diff import diff_files
from workflows.packages.drafts import (
    DraftError,
    PackageDraft,
    check_files,
    delete_file,
    discard_draft,
    draft_codes,
    draft_of,
    package_versions,
    publish_draft,
    put_file,
    rename_file,
    roll_back,
    start_draft,
    try_files,
    versions_by_code,
)

from ..extensions import csrf, db
from ..security import DESIGNER, current_principal
from ..setup import ensure_package_roles
from .common import finding_json, preview_html, scenario_json
from .publishing import draft_json, versions_json

_MAX_BODY = 6 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _error(api: BaseApi, code: int, message_id: str, message_en: str, **extra: Any) -> Response:
    return api.response(code, message=f"{message_id} ({message_en})", message_id=message_id,
                        message_en=message_en, **extra)


def _csrf_for_sessions() -> None:
    """FAB's APIs skip CSRF (made for JWT clients); a browser session that writes must send its token."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and not request.headers.get("Authorization"):
        csrf.protect()


class DesignerApi(BaseApi):
    resource_name = "designer"
    class_permission_name = DESIGNER
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {
        "packages": "read", "package": "read", "get_draft": "read", "get_file": "read", "diff": "read",
        "create_draft": "write", "discard": "write", "put": "write", "delete": "write", "rename": "write",
        "check": "write", "try_": "write", "publish": "write", "rollback": "write", "preview": "write",
    }

    def create_blueprint(self, *args: Any, **kwargs: Any) -> Any:
        blueprint = super().create_blueprint(*args, **kwargs)
        blueprint.before_request(_csrf_for_sessions)
        return blueprint

    # --- helpers ---

    def _draft(self, code: str) -> PackageDraft | Response:
        # Only whether the package exists: package_versions would count every case on every autosave.
        if latest_package(db.session, code) is None:
            return _error(self, 404, f"Paket '{code}' tidak ada.", f"Package '{code}' not found.")
        draft = draft_of(db.session, code)
        if draft is None:
            return _error(self, 404, "Paket ini belum punya draf.", "This package has no draft.")
        return draft

    # --- packages and versions ---

    @expose("/packages/", methods=["GET"])
    @protect(allow_browser_login=True)
    def packages(self):  # noqa: ANN201
        from workflows.packages import latest_packages

        versions, drafts = versions_by_code(db.session), draft_codes(db.session)
        return self.response(200, result=[
            {"code": p.code, "name": p.name, "versions": versions_json(versions.get(p.code, [])),
             "draft": p.code in drafts}
            for p in latest_packages(db.session)])

    @expose("/packages/<code>", methods=["GET"])
    @protect(allow_browser_login=True)
    def package(self, code: str):  # noqa: ANN201
        versions = package_versions(db.session, code)
        if not versions:
            return _error(self, 404, f"Paket '{code}' tidak ada.", f"Package '{code}' not found.")
        draft = draft_of(db.session, code)
        return self.response(200, result={"code": code, "name": versions[0].package.name,
                                          "versions": versions_json(versions),
                                          "draft": draft_json(draft) if draft else None})

    # --- the draft ---

    @expose("/packages/<code>/draft", methods=["POST"])
    @protect(allow_browser_login=True)
    def create_draft(self, code: str):  # noqa: ANN201
        try:
            draft = start_draft(db.session, code, current_principal().username)
        except NotFound:
            return _error(self, 404, f"Paket '{code}' tidak ada.", f"Package '{code}' not found.")
        except DraftError as exc:
            db.session.rollback()
            return _error(self, 409, exc.message_id, exc.message_en)
        return self.response(201, result=draft_json(draft))

    @expose("/packages/<code>/draft", methods=["GET"])
    @protect(allow_browser_login=True)
    def get_draft(self, code: str):  # noqa: ANN201
        draft = self._draft(code)
        return draft if isinstance(draft, Response) else self.response(200, result=draft_json(draft))

    @expose("/packages/<code>/draft", methods=["DELETE"])
    @protect(allow_browser_login=True)
    def discard(self, code: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        discard_draft(db.session, draft, current_principal().username)
        return self.response(200, message="Draf dibuang. (Draft discarded.)")

    @expose("/packages/<code>/draft/files/<path:path>", methods=["GET"])
    @protect(allow_browser_login=True)
    def get_file(self, code: str, path: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        data = draft.files().files.get(path)
        if data is None:
            return _error(self, 404, f"Berkas '{path}' tidak ada di draf.", f"File '{path}' is not in the draft.")
        kind = ("application/xml" if path.endswith((".bpmn", ".dmn")) else "application/json"
                if path.endswith(".json") else DOCX)
        return Response(data, mimetype=kind, headers={"Cache-Control": "no-store"})

    @expose("/packages/<code>/draft/files/<path:path>", methods=["PUT"])
    @protect(allow_browser_login=True)
    def put(self, code: str, path: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        if (request.content_length or 0) > _MAX_BODY:
            return _error(self, 413, "Berkas terlalu besar (maks. 5 MB).", "File too large (max 5 MB).")
        try:
            put_file(db.session, draft, path, request.get_data(cache=False), current_principal().username)
        except DraftError as exc:
            db.session.rollback()
            return _error(self, 400, exc.message_id, exc.message_en)
        return self.response(200, result=draft_json(draft))

    @expose("/packages/<code>/draft/files/<path:path>", methods=["DELETE"])
    @protect(allow_browser_login=True)
    def delete(self, code: str, path: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        try:
            delete_file(db.session, draft, path, current_principal().username)
        except NotFound:
            db.session.rollback()
            return _error(self, 404, f"Berkas '{path}' tidak ada di draf.", f"File '{path}' is not in the draft.")
        except DraftError as exc:
            db.session.rollback()
            return _error(self, 400, exc.message_id, exc.message_en)
        return self.response(200, result=draft_json(draft))

    @expose("/packages/<code>/draft/rename", methods=["POST"])
    @protect(allow_browser_login=True)
    def rename(self, code: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("from"), str) or not isinstance(body.get("to"), str):
            return _error(self, 400, 'Kirim JSON {"from": jalur, "to": jalur}.',
                          'Send JSON {"from": path, "to": path}.')
        try:
            rename_file(db.session, draft, body["from"], body["to"], current_principal().username)
        except NotFound:
            db.session.rollback()
            return _error(self, 404, f"Berkas '{body['from']}' tidak ada di draf.",
                          f"File '{body['from']}' is not in the draft.")
        except DraftError as exc:
            db.session.rollback()
            return _error(self, 400, exc.message_id, exc.message_en)
        return self.response(200, result=draft_json(draft))

    # --- check, try, diff, publish ---

    @expose("/packages/<code>/draft/check", methods=["POST"])
    @protect(allow_browser_login=True)
    def check(self, code: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        findings = check_files(draft.files())
        return self.response(200, ok=not any(f.level == "error" for f in findings),
                             result=[finding_json(f) for f in findings])

    @expose("/packages/<code>/draft/try", methods=["POST"])
    @protect(allow_browser_login=True)
    def try_(self, code: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        tried = try_files(draft.files())
        return self.response(200, result=[scenario_json(r) for r in tried.results])

    @expose("/packages/<code>/draft/diff", methods=["GET"])
    @protect(allow_browser_login=True)
    def diff(self, code: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        latest = latest_package(db.session, code)
        return self.response(200, against_version=latest.version,
                             result=diff_files(files_of(latest), draft.files()).as_dict())

    @expose("/packages/<code>/draft/publish", methods=["POST"])
    @protect(allow_browser_login=True)
    def publish(self, code: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        try:
            publish_draft(db.session, draft, current_principal().username)
        except DeployError as exc:
            db.session.rollback()
            return _error(self, 422, f"Draf ditolak, {len(exc.problems)} masalah; tidak ada yang diterbitkan.",
                          f"Draft refused, {len(exc.problems)} problem(s); nothing was published.",
                          problems=[asdict(p) for p in exc.problems])
        except DraftError as exc:
            db.session.rollback()
            return _error(self, 409, exc.message_id, exc.message_en)
        ensure_package_roles()
        return self.response(201, result=versions_json(package_versions(db.session, code))[0])

    @expose("/packages/<code>/rollback", methods=["POST"])
    @protect(allow_browser_login=True)
    def rollback(self, code: str):  # noqa: ANN201
        body = request.get_json(silent=True)
        version = body.get("version") if isinstance(body, dict) else None
        if not isinstance(version, int) or isinstance(version, bool):
            return _error(self, 400, 'Kirim JSON {"version": nomor versi}.', 'Send JSON {"version": version number}.')
        try:
            roll_back(db.session, code, version, current_principal().username)
        except NotFound as exc:
            db.session.rollback()
            return self.response(404, message=str(exc))
        except DraftError as exc:
            db.session.rollback()
            return _error(self, 409, exc.message_id, exc.message_en)
        except DeployError as exc:
            db.session.rollback()
            return _error(self, 422, "Versi itu tidak lolos pemeriksaan hari ini.",
                          "That version does not pass today's checks.", problems=[asdict(p) for p in exc.problems])
        ensure_package_roles()
        return self.response(201, result=versions_json(package_versions(db.session, code))[0])

    @expose("/packages/<code>/draft/preview", methods=["POST"])
    @protect(allow_browser_login=True)
    def preview(self, code: str):  # noqa: ANN201
        draft = self._draft(code)
        if isinstance(draft, Response):
            return draft
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not all(isinstance(body.get(k) or "", str) for k in ("schema", "ui")):
            return _error(self, 400, 'Kirim JSON {"schema": teks, "ui": teks}.',
                          'Send JSON {"schema": text, "ui": text}.')
        try:
            html = preview_html(body.get("schema", ""), body.get("ui") or "")
        except DraftError as exc:
            return _error(self, 400, exc.message_id, exc.message_en)
        return self.response(200, html=html)
