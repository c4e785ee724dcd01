"""What the designer's pages and API share: who may enter, the draft of a package (or 404), the
form preview drawn by LIGAT's own form renderer, and findings/results as JSON."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jsonschema.exceptions import SchemaError

import forms
from workflows.errors import NotFound
from workflows.packages import ServicePackage
from workflows.packages.drafts import DraftError, PackageDraft, draft_of, published

from ..extensions import db
from ..formfields import fields_for
from ..security import AUDIT, DESIGNER


def may_design(write: bool = False) -> bool:
    """Only Perancang Proses and Admin hold the Designer permission (app/security.py ROLE_PERMISSIONS)."""
    return bool(current_user and current_user.is_authenticated
                and current_app.appbuilder.sm.has_access("can_write" if write else "can_read", DESIGNER))


def designer_page(write: bool = False, also_audit: bool = False) -> Callable:
    """A page of the workbench: not logged in → the login page; logged in without the role → 403.
    `also_audit`: auditors may read it too (a migration's history is evidence)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not (current_user and current_user.is_authenticated):
                return redirect(current_app.appbuilder.get_url_for_login_with(request.path))
            if not (may_design(write) or (also_audit and current_app.appbuilder.sm.has_access("can_read", AUDIT))):
                abort(403, description=_("Hanya Perancang Proses dan Admin yang boleh membuka meja kerja perancang."))
            return view(*args, **kwargs)

        return guarded

    return decorate


def package_or_404(code: str) -> ServicePackage:
    try:
        return published(db.session, code)
    except NotFound as exc:
        abort(404, description=str(exc))


def draft_or_redirect(code: str) -> PackageDraft:
    package_or_404(code)
    draft = draft_of(db.session, code)
    if draft is None:
        # A tab left open after the draft was published or discarded elsewhere: back to the package,
        # where a new draft starts, rather than an error page.
        flash(_("Paket ini belum punya draf. Mulai draf dari halaman paket."), "warning")
        abort(redirect(url_for("DesignerView.package", code=code)))
    return draft


def preview_html(schema_text: str, ui_text: str = "") -> str:
    """The form as an officer or citizen will see it, drawn by the same macro as task forms.
    Raises DraftError when the schema or UI schema cannot be read."""
    try:
        schema = json.loads(schema_text or "{}")
        ui = json.loads(ui_text) if ui_text and ui_text.strip() else {}
    except json.JSONDecodeError as exc:
        raise DraftError(f"JSON tidak sah: {exc}", f"Invalid JSON: {exc}") from exc
    if not isinstance(schema, dict) or not isinstance(ui, dict):
        raise DraftError("Skema dan skema UI harus objek JSON {…}.",
                         "The schema and UI schema must be JSON objects {…}.")
    props = schema.get("properties") or {}
    missing = [name for name in ui.get("ui:order") or [] if name not in props]
    if missing:
        raise DraftError(f"ui:order menyebut kolom yang tidak ada: {', '.join(missing)}",
                         f"ui:order names fields that do not exist: {', '.join(missing)}")
    try:
        fields = fields_for(forms.prepare(schema), ui)
    except SchemaError as exc:
        raise DraftError(f"Bukan JSON Schema yang sah: {exc.message}",
                         f"Not a valid JSON Schema: {exc.message}") from exc
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        raise DraftError(f"Formulir tidak bisa digambar: {exc}", f"The form cannot be drawn: {exc}") from exc
    return render_template("designer/_preview.html", fields=fields)


def finding_json(finding: Any) -> dict[str, Any]:
    return asdict(finding)


def scenario_json(result: Any) -> dict[str, Any]:
    """A ScenarioResult of workflows.scenarios as JSON (its fields are the runner's contract)."""
    keys = ("name", "name_en", "file", "passed", "path", "failed_element_id", "message_id", "message_en", "steps",
            "end_status")
    return {key: getattr(result, key, None) for key in keys}
