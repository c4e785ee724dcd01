"""Pages of the bulk migration: choose a package's source and target versions and which cases,
preview which can move and why not, move them in one action, and read past migrations.

Designers (and admins) do all of it; auditors and heads of office (Audit read) read past
migrations only. Everything else answers 403."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from sqlalchemy import select

from workflows import migration
from workflows.db import Case, InboxTask, ProcessDefinition
from workflows.errors import LigatError, NotFound

from ..designer.common import designer_page, may_design
from ..extensions import db
from ..security import CASE, DESIGNER, current_principal
from ..views.display import ui_lang
from .requests import FILTER_FIELDS, read


def _versions(code: str) -> list:
    found = migration.versions(db.session, code)
    if not found:
        abort(404, description=_("Paket layanan tidak ditemukan."))
    return found


def _choices(code: str, version: int) -> tuple[list[str], list[str]]:
    """Statuses and open tasks of the version's running cases (suggestions for the filter)."""
    running = (select(Case.id).join(ProcessDefinition, Case.process_definition_id == ProcessDefinition.id)
               .join(migration.ServicePackage, migration.ServicePackage.id == ProcessDefinition.package_id)
               .where(migration.ServicePackage.code == code, migration.ServicePackage.version == version,
                      Case.completed.is_(False)))
    statuses = db.session.scalars(select(Case.status).where(Case.id.in_(running)).distinct().order_by(Case.status))
    tasks = db.session.scalars(select(InboxTask.task_name).where(InboxTask.case_id.in_(running),
                                                                 InboxTask.state == "open")
                               .distinct().order_by(InboxTask.task_name))
    return list(statuses), list(tasks)


class MigrationView(BaseView):
    route_base = "/perancang"
    # Same permission set as every Designer view and API (FAB: views sharing a permission name list the same set).
    class_permission_name = DESIGNER
    base_permissions = ["can_read", "can_write"]
    default_view = "index"

    def _may_open_cases(self) -> bool:
        # A designer need not read cases (the case page decides who sees which); links only for those who may.
        return self.appbuilder.sm.has_access("can_read", CASE)

    def _page(self, code: str, status: int = 200, **extra: Any):  # noqa: ANN202
        packages = _versions(code)
        values = {k: request.values.get(k, "") for k in (*FILTER_FIELDS, "from_version", "to_version")}
        counts = migration.running_counts(db.session, code)
        if not values["from_version"]:
            values["from_version"] = str(next((p.version for p in packages if counts.get(p.version)),
                                              packages[0].version))
        if not values["to_version"]:
            values["to_version"] = str(packages[-1].version)
        try:
            statuses, tasks = _choices(code, int(values["from_version"]))
        except ValueError:
            statuses, tasks = [], []
        may_move = may_design(write=True)
        return self.render_template(
            "designer_migration/index.html", code=code, package=packages[-1], packages=packages, counts=counts,
            values=values, statuses=statuses, tasks=tasks, runs=migration.runs(db.session, code),
            may_move=may_move, may_open_cases=self._may_open_cases(), lang=ui_lang(), **extra,
        ), status

    @expose("/<code>/migrasi/")
    @designer_page(also_audit=True)
    def index(self, code: str):  # noqa: ANN201
        """The form, a preview when asked (`?pratinjau=1`), and the package's past migrations."""
        if not request.args.get("pratinjau"):
            return self._page(code)
        if not may_design():
            abort(403, description=_("Hanya Perancang Proses dan Admin yang boleh membuka meja kerja perancang."))
        _versions(code)
        try:
            asked = read(request.args)
            preview = migration.preview(db.session, code, asked.from_version, asked.to_version, asked.chosen)
        except NotFound as exc:
            return self._page(code, 404, error=str(exc))
        except LigatError as exc:
            return self._page(code, 400, error=str(exc))
        expected = json.dumps({c.case_id: c.lock_version for c in preview.checks})
        return self._page(code, preview=preview, expected=expected)

    @expose("/<code>/migrasi/", methods=["POST"])
    @designer_page(write=True)
    def move(self, code: str):  # noqa: ANN201
        """Move the previewed cases that can move; then show the run's summary."""
        _versions(code)
        try:
            asked = read(request.form)
            run = migration.migrate(db.session, code, asked.from_version, asked.to_version, asked.chosen,
                                    current_principal().username, asked.expected)
        except NotFound as exc:
            return self._page(code, 404, error=str(exc))
        except LigatError as exc:
            db.session.rollback()
            return self._page(code, 400, error=str(exc))
        flash(_("Migrasi #%(n)s: %(moved)s kasus dipindahkan, %(stuck)s tidak.", n=run.id, moved=run.moved,
                stuck=run.not_moved), "success" if not run.not_moved else "warning")
        return redirect(url_for("MigrationView.show", code=code, run_id=run.id))

    @expose("/<code>/migrasi/<int:run_id>")
    @designer_page(also_audit=True)
    def show(self, code: str, run_id: int):  # noqa: ANN201
        _versions(code)
        try:
            run = migration.run_of(db.session, code, run_id)
        except NotFound:
            abort(404, description=_("Migrasi tidak ditemukan."))
        return self.render_template("designer_migration/run.html", code=code, run=run, lang=ui_lang(),
                                    may_open_cases=self._may_open_cases())
