"""Registers for officers (`/daftar/<register>/`): every entry with its records, their status (the
calendar and the letter's revocation taken into account) and each record's history (the status
changes in its case's audit chain). Which registers exist comes from the packages
(service.json → register)."""

from __future__ import annotations

from flask import abort, request
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflows import audit, issued_letters, registers
from workflows.packages import ServicePackage, latest_packages
from workflows.principal import OFFICE, REGION, Principal
from workflows.visibility import can_view_case, region_filter

from ..extensions import db
from ..security import CASE, current_principal


def _history(case_id: int) -> list[dict]:
    return audit.status_history(db.session, case_id, first_status="Diajukan")


def _register(code: str) -> tuple[ServicePackage, registers.RegisterSpec] | None:
    for package in latest_packages(db.session):
        raw = package.descriptor.register
        if raw and raw.get("code") == code:
            return package, registers.RegisterSpec(raw)
    return None


def can_read(principal: Principal, package: ServicePackage) -> bool:
    """Read-all roles, and the line's office-wide or region-scoped roles (within their region, below).
    A bidang-scoped role reads an entry only through its own cases' panels: entries have no bidang."""
    return principal.reads_everything or any(
        role.name in principal.roles and (role.scope == OFFICE or (role.scope == REGION and principal.region_code))
        for role in package.descriptor.roles.values()  # a region-scoped role without a region reads nothing
    )


class RegisterView(BaseView):
    route_base = "/daftar"
    # Same permission set as the case pages (FAB: views sharing a permission name list the same set);
    # the line's roles and the region are checked on the server below.
    class_permission_name = CASE
    base_permissions = ["can_read"]
    method_permission_name = {"registers": "read", "index": "read", "show": "read"}
    default_view = "registers"

    def _found(self, code: str) -> tuple[ServicePackage, registers.RegisterSpec]:
        found = _register(code)
        if found is None or not can_read(current_principal(), found[0]):
            abort(404)
        return found

    @expose("/")
    @has_access
    def registers(self):  # noqa: ANN201
        """The registers this person may read."""
        principal = current_principal()
        found = [(p, registers.RegisterSpec(p.descriptor.register)) for p in latest_packages(db.session)
                 if p.descriptor.register and can_read(principal, p)]
        return self.render_template("layanan/registers.html", registers=found)

    @expose("/<code>/")
    @has_access
    def index(self, code: str):  # noqa: ANN201
        package, spec = self._found(code)
        principal = current_principal()
        query = select(registers.RegisterEntry).where(registers.RegisterEntry.register == spec.code)
        if principal.region_code and not principal.reads_everything:
            query = query.where(region_filter(registers.RegisterEntry.region_code, principal.region_code))
        search = (request.args.get("q") or "").strip()
        if search:
            query = query.where(registers.RegisterEntry.name.ilike(f"%{search[:100]}%"))
        # Each entry's records in one more query, not one per row.
        query = query.options(selectinload(registers.RegisterEntry.records))
        rows = db.session.scalars(query.order_by(registers.RegisterEntry.name).limit(500)).all()
        letters = self._letters([r for row in rows for r in row.records])
        return self.render_template("layanan/register.html", rows=rows, letters=letters, search=search, spec=spec,
                                    package=package)

    @expose("/<code>/<int:entry_id>")
    @has_access
    def show(self, code: str, entry_id: int):  # noqa: ANN201
        package, spec = self._found(code)
        principal = current_principal()
        entry = db.session.get(registers.RegisterEntry, entry_id)
        if entry is None or entry.register != spec.code or not (
            principal.reads_everything or principal.in_region(entry.region_code)
        ):
            abort(404)
        letters = self._letters(entry.records)
        histories = {r.id: _history(r.case_id) for r in entry.records}
        visible = {r.id: can_view_case(principal, r.case) for r in entry.records}
        return self.render_template("layanan/register_show.html", entry=entry, letters=letters, histories=histories,
                                    visible=visible, spec=spec, package=package)

    @staticmethod
    def _letters(records: list) -> dict[int, issued_letters.Letter]:
        ids = [r.letter_id for r in records if r.letter_id]
        if not ids:
            return {}
        found = db.session.scalars(select(issued_letters.Letter).where(issued_letters.Letter.id.in_(ids))).all()
        return {letter.id: letter for letter in found}
