"""The designer's workbench pages under /perancang/: packages and versions, the draft and its files,
the editors (BPMN, DMN, forms with a live preview, the descriptor as a form, letters), check, try,
what changed, publish and roll back. Every page works without the editor bundle and without
JavaScript; the bundle (app/static/vendor/ligat-designer/) and app/static/ligat/designer.js add to it."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from workflows.errors import DeployError, NotFound
from workflows.packages import PackageFiles, english, files_of, latest_packages
from workflows.packages.diff import diff_files
from workflows.packages.drafts import (
    DraftError,
    PackageDraft,
    check_files,
    delete_file,
    discard_draft,
    draft_codes,
    draft_of,
    english_with_missing,
    package_events,
    package_versions,
    publish_draft,
    put_file,
    rename_file,
    roll_back,
    start_draft,
    try_files,
    verify_events,
    versions_by_code,
)

from ..extensions import db
from ..security import DESIGNER, current_principal
from ..setup import ensure_package_roles
from ..views.display import ui_lang
from . import descriptor_form
from .common import designer_page, draft_or_redirect, package_or_404, preview_html, scenario_json

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NEW_FILES = {
    "bpmn": ("bpmn", ".bpmn"), "dmn": ("bpmn", ".dmn"), "form": ("forms", ".schema.json"),
    "uischema": ("forms", ".uischema.json"), "test": ("bpmn", ".json"),
}


def file_kind(code: str, path: str) -> str:
    """descriptor, english, bpmn, dmn, test, form, uischema, letter — which editor opens a draft file."""
    if path == f"bpmn/{code}/service.json":
        return "descriptor"
    if path == f"bpmn/{code}/{english.FILE}":
        return "english"
    if path.startswith(f"bpmn/{code}/tests/"):
        return "test"
    if path.endswith(".bpmn"):
        return "bpmn"
    if path.endswith(".dmn"):
        return "dmn"
    if path.endswith(".uischema.json"):
        return "uischema"
    if path.startswith("forms/"):
        return "form"
    return "letter"


def _blank(kind: str, stem: str) -> bytes:
    """The content a new file starts with: the smallest valid one of its kind."""
    if kind == "bpmn":
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_{stem}"
  targetNamespace="http://ligat.example/bpmn">
  <bpmn:process id="{stem}" name="{stem}" isExecutable="true">
    <bpmn:startEvent id="mulai"><bpmn:outgoing>f_mulai</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f_mulai" sourceRef="mulai" targetRef="selesai" />
    <bpmn:endEvent id="selesai"><bpmn:incoming>f_mulai</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()
    if kind == "dmn":
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_{stem}" name="{stem}"
  namespace="http://ligat.example/dmn">
  <decision id="{stem}" name="{stem}">
    <decisionTable id="tabel_{stem}" hitPolicy="FIRST">
      <input id="masukan_1" label="masukan">
        <inputExpression id="ekspresi_1" typeRef="string"><text>masukan</text></inputExpression>
      </input>
      <output id="keluaran_1" name="hasil" typeRef="string" />
    </decisionTable>
  </decision>
</definitions>
""".encode()
    if kind == "form":
        return json.dumps({"type": "object", "required": [], "properties": {}}, indent=2).encode()
    return b"{}\n"


def _bundle_present() -> bool:
    """The editor bundle is vendored by its own build; until then the pages edit XML as text."""
    return Path(current_app.static_folder or "", "vendor", "ligat-designer", "ligat-designer.js").is_file()


class DesignerView(BaseView):
    route_base = "/perancang"
    class_permission_name = DESIGNER
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {
        "index": "read", "package": "read", "draft": "read", "edit": "read", "download": "read",
        "descriptor": "read", "check": "read", "diff": "read",
        "start": "write", "discard": "write", "english_texts": "write", "save": "write", "new_file": "write",
        "upload_letter": "write",
        "rename": "write", "delete": "write", "save_descriptor": "write", "try_": "write", "publish": "write",
        "rollback": "write",
    }
    default_view = "index"

    def _page(self, template: str, status: int = 200, **context: Any) -> Response:
        html = self.render_template(f"designer/{template}", lang=ui_lang(), bundle=_bundle_present(), **context)
        return Response(html, status=status)

    # --- packages and versions ---

    @expose("/")
    @designer_page()
    @has_access
    def index(self):  # noqa: ANN201
        versions, drafts = versions_by_code(db.session), draft_codes(db.session)
        packages = [(p, versions.get(p.code, []), p.code in drafts) for p in latest_packages(db.session)]
        return self._page("index.html", packages=packages)

    @expose("/<code>/")
    @designer_page()
    @has_access
    def package(self, code: str):  # noqa: ANN201
        latest = package_or_404(code)
        events = package_events(db.session, code)
        return self._page("package.html", code=code, latest=latest, versions=package_versions(db.session, code),
                          draft=draft_of(db.session, code), events=events[::-1][:20],
                          chain_ok=verify_events(events))

    @expose("/<code>/draf", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def start(self, code: str):  # noqa: ANN201
        package_or_404(code)
        try:
            start_draft(db.session, code, current_principal().username)
            flash(_("Draf dibuat dari versi terbaru. Kasus yang berjalan dan kasus baru tidak terpengaruh "
                    "sampai draf diterbitkan."), "success")
        except DraftError:
            db.session.rollback()
            flash(_("Paket ini sudah punya draf terbuka; lanjutkan draf itu atau buang dulu."), "warning")
        return redirect(url_for("DesignerView.draft", code=code))

    @expose("/<code>/kembalikan/<int:version>", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def rollback(self, code: str, version: int):  # noqa: ANN201
        package_or_404(code)
        try:
            result = roll_back(db.session, code, version, current_principal().username)
        except NotFound as exc:
            abort(404, description=str(exc))
        except (DraftError, DeployError) as exc:
            db.session.rollback()
            flash(str(exc).split("\n")[0], "danger")
            return redirect(url_for("DesignerView.package", code=code))
        ensure_package_roles()
        flash(_("Isi versi %(old)s diterbitkan lagi sebagai versi %(new)s. Kasus yang berjalan tetap pada versinya.",
                old=version, new=result.package.version), "success")
        return redirect(url_for("DesignerView.package", code=code))

    # --- the draft and its files ---

    @expose("/<code>/draf/")
    @designer_page()
    @has_access
    def draft(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        files = draft.files()
        rows = [(path, file_kind(code, path), len(data)) for path, data in sorted(files.files.items())]
        return self._page("draft.html", code=code, draft=draft, rows=rows, latest=package_or_404(code))

    @expose("/<code>/draf/buang", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def discard(self, code: str):  # noqa: ANN201
        discard_draft(db.session, draft_or_redirect(code), current_principal().username)
        flash(_("Draf dibuang."), "success")
        return redirect(url_for("DesignerView.package", code=code))

    def _editor_context(self, draft: PackageDraft, files: PackageFiles, path: str) -> dict[str, Any]:
        descriptor = json.loads(files.descriptor_bytes or b"{}")
        return {"code": draft.code, "path": path, "draft": draft,
                "roles": [r.get("name") for r in descriptor.get("roles", []) if isinstance(r, dict)],
                "forms": files.names("forms", ".json"),
                "scenarios": files.names("bpmn", ".json", sub="tests/")}

    @expose("/<code>/draf/berkas/<path:path>")
    @designer_page()
    @has_access
    def edit(self, code: str, path: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        files = draft.files()
        data = files.files.get(path)
        if data is None:
            abort(404, description=_("Berkas itu tidak ada di draf."))
        kind = file_kind(code, path)
        if kind == "letter":
            return redirect(url_for("DesignerView.download", code=code, path=path))
        if kind == "descriptor" and request.args.get("mentah") != "1":
            return redirect(url_for("DesignerView.descriptor", code=code))
        context = self._editor_context(draft, files, path)
        text = data.decode("utf-8", "replace")
        if kind in ("bpmn", "dmn"):
            return self._page(f"{kind}.html", content=text, **context)
        if kind in ("form", "uischema"):
            schema_path, ui_path = _form_pair(path)
            return self._page("form.html", schema_path=schema_path, ui_path=ui_path,
                              schema_text=(files.files.get(schema_path) or b"").decode("utf-8", "replace"),
                              ui_text=(files.files.get(ui_path) or b"").decode("utf-8", "replace"),
                              preview=_safe_preview(files.files.get(schema_path), files.files.get(ui_path)), **context)
        return self._page("json.html", content=text, kind=kind, **context)

    @expose("/<code>/draf/berkas/<path:path>", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def save(self, code: str, path: str):  # noqa: ANN201
        """The editors' form post (the pages' scripts PUT through the API instead)."""
        draft = draft_or_redirect(code)
        actor = current_principal().username
        saves = [(path, request.form.get("content", ""))]
        if file_kind(code, path) in ("form", "uischema") and "ui_content" in request.form:
            schema_path, ui_path = _form_pair(path)
            saves = [(schema_path, request.form.get("content", ""))]
            if ui_path and request.form["ui_content"].strip():
                saves.append((ui_path, request.form["ui_content"]))
        try:
            for target, text in saves:
                put_file(db.session, draft, target, text.replace("\r\n", "\n").encode("utf-8"), actor)
        except DraftError as exc:
            db.session.rollback()
            flash(_("Tidak disimpan: %(why)s", why=str(exc)), "danger")
            return redirect(url_for("DesignerView.edit", code=code, path=path, **request.args))
        flash(_("Tersimpan di draf."), "success")
        return redirect(url_for("DesignerView.edit", code=code, path=path, **request.args))

    @expose("/<code>/draf/unduh/<path:path>")
    @designer_page()
    @has_access
    def download(self, code: str, path: str):  # noqa: ANN201
        data = draft_or_redirect(code).files().files.get(path)
        if data is None:
            abort(404, description=_("Berkas itu tidak ada di draf."))
        kind = DOCX if path.endswith(".docx") else "application/xml" if path.endswith((".bpmn", ".dmn")) \
            else "application/json"
        return Response(data, mimetype=kind, headers={
            "Content-Disposition": f'attachment; filename="{PurePosixPath(path).name}"', "Cache-Control": "no-store"})

    @expose("/<code>/draf/baru", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def new_file(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        kind = request.form.get("kind", "")
        stem = request.form.get("name", "").strip().removesuffix(".json").removesuffix(".schema") \
            .removesuffix(".uischema").removesuffix(".bpmn").removesuffix(".dmn")
        if kind not in NEW_FILES or not stem:
            flash(_("Pilih jenis berkas dan isi namanya."), "danger")
            return redirect(url_for("DesignerView.draft", code=code))
        area, suffix = NEW_FILES[kind]
        path = f"{area}/{code}/{'tests/' if kind == 'test' else ''}{stem}{suffix}"
        if path in draft.files().files:
            flash(_("Berkas %(path)s sudah ada.", path=path), "danger")
            return redirect(url_for("DesignerView.draft", code=code))
        try:
            put_file(db.session, draft, path, _blank(kind, stem), current_principal().username)
        except DraftError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("DesignerView.draft", code=code))
        return redirect(url_for("DesignerView.edit", code=code, path=path))

    @expose("/<code>/draf/inggris", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def english_texts(self, code: str):  # noqa: ANN201
        """Open the package's English table with an empty entry for each text still without English."""
        draft = draft_or_redirect(code)
        path = f"bpmn/{code}/{english.FILE}"
        try:
            put_file(db.session, draft, path, english_with_missing(draft.files()), current_principal().username)
        except DraftError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("DesignerView.draft", code=code))
        flash(_("Teks yang belum berbahasa Inggris ditambahkan dengan isian kosong; isi terjemahannya lalu simpan."),
              "success")
        return redirect(url_for("DesignerView.edit", code=code, path=path))

    @expose("/<code>/draf/surat", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def upload_letter(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        upload = request.files.get("berkas")
        name = (request.form.get("name") or (upload.filename if upload else "") or "").strip().lower()
        if upload is None or not name:
            flash(_("Pilih berkas .docx yang akan diunggah."), "danger")
            return redirect(url_for("DesignerView.draft", code=code))
        if not name.endswith(".docx"):
            name += ".docx"
        try:
            put_file(db.session, draft, f"letters/{code}/{PurePosixPath(name).name}",
                     upload.stream.read(6 * 1024 * 1024), current_principal().username)
        except DraftError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("DesignerView.draft", code=code))
        flash(_("Templat surat %(name)s tersimpan di draf.", name=name), "success")
        return redirect(url_for("DesignerView.draft", code=code))

    @expose("/<code>/draf/ganti-nama", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def rename(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        path = request.form.get("path", "")
        new_path = str(PurePosixPath(path).parent / request.form.get("new_name", "").strip())
        try:
            rename_file(db.session, draft, path, new_path, current_principal().username)
            flash(_("Nama berkas diganti."), "success")
        except (NotFound, DraftError) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return redirect(url_for("DesignerView.draft", code=code))

    @expose("/<code>/draf/hapus", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def delete(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        try:
            delete_file(db.session, draft, request.form.get("path", ""), current_principal().username)
            flash(_("Berkas dihapus dari draf."), "success")
        except (NotFound, DraftError) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return redirect(url_for("DesignerView.draft", code=code))

    # --- the descriptor as a form ---

    @expose("/<code>/draf/deskriptor")
    @designer_page()
    @has_access
    def descriptor(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        files = draft.files()
        raw = json.loads(files.descriptor_bytes or b"{}")
        return self._descriptor_page(draft, files, raw, [])

    def _descriptor_page(self, draft: PackageDraft, files: PackageFiles, raw: dict[str, Any], errors: list[str],
                         status: int = 200) -> Response:
        return self._page("descriptor.html", status, code=draft.code, draft=draft, d=raw, errors=errors,
                          bidang=descriptor_form.BIDANG, scopes=descriptor_form.SCOPES,
                          channels=descriptor_form.CHANNELS, kinds=descriptor_form.DOC_KINDS,
                          letter_files=files.names("letters", ".docx"), form_files=files.names("forms", ".json"))

    @expose("/<code>/draf/deskriptor", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def save_descriptor(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        files = draft.files()
        raw = json.loads(files.descriptor_bytes or b"{}")
        new, errors = descriptor_form.apply_form(raw, request.form)
        if errors:
            return self._descriptor_page(draft, files, new, errors, 400)
        data = json.dumps(new, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        try:
            put_file(db.session, draft, f"bpmn/{code}/service.json", data, current_principal().username)
        except DraftError as exc:
            db.session.rollback()
            return self._descriptor_page(draft, files, new, [str(exc)], 400)
        flash(_("Deskriptor tersimpan di draf."), "success")
        return redirect(url_for("DesignerView.descriptor", code=code))

    # --- check, try, what changed, publish ---

    @expose("/<code>/draf/periksa")
    @designer_page()
    @has_access
    def check(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        findings = check_files(draft.files())
        return self._page("check.html", code=code, draft=draft, findings=findings,
                          errors=sum(f.level == "error" for f in findings))

    @expose("/<code>/draf/coba", methods=["GET", "POST"])
    @designer_page(write=True)
    @has_access
    def try_(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        files = draft.files()
        scenarios = files.names("bpmn", ".json", sub="tests/")
        tried = try_files(files) if request.method == "POST" else None
        results = [scenario_json(r) for r in tried.results] if tried else []
        return self._page("try.html", code=code, draft=draft, scenarios=scenarios, tried=tried, results=results)

    @expose("/<code>/draf/terbitkan")
    @designer_page()
    @has_access
    def diff(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        latest = package_or_404(code)
        changes = diff_files(files_of(latest), draft.files())
        return self._page("publish.html", code=code, draft=draft, latest=latest, changes=changes, problems=[])

    @expose("/<code>/draf/terbitkan", methods=["POST"])
    @designer_page(write=True)
    @has_access
    def publish(self, code: str):  # noqa: ANN201
        draft = draft_or_redirect(code)
        latest = package_or_404(code)
        try:
            result = publish_draft(db.session, draft, current_principal().username)
        except (DeployError, DraftError) as exc:
            db.session.rollback()
            problems = getattr(exc, "problems", [])
            draft = draft_or_redirect(code)
            return self._page("publish.html", 422, code=code, draft=draft, latest=latest,
                              changes=diff_files(files_of(latest), draft.files()), problems=problems,
                              refused=str(exc).split("\n")[0])
        ensure_package_roles()
        flash(_("Versi %(version)s diterbitkan. Kasus baru memakai versi ini; kasus yang berjalan tetap pada "
                "versinya.", version=result.package.version), "success")
        return redirect(url_for("DesignerView.package", code=code))


def _form_pair(path: str) -> tuple[str, str]:
    """A form's JSON Schema and its UI schema: x.schema.json ↔ x.uischema.json."""
    if not path.endswith((".schema.json", ".uischema.json")):
        return path, ""
    base = path.removesuffix(".uischema.json").removesuffix(".schema.json")
    return f"{base}.schema.json", f"{base}.uischema.json"


def _safe_preview(schema: bytes | None, ui: bytes | None) -> str | None:
    try:
        return preview_html((schema or b"{}").decode("utf-8", "replace"), (ui or b"").decode("utf-8", "replace"))
    except DraftError:
        return None
