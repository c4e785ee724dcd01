"""Service packages over the API: list the deployed versions, deploy an archive (a zip of one
package's bpmn/<code>/, forms/<code>/ and letters/<code>/ files). For process designers and
admins; a refused archive answers 422 with every problem, each naming its file and element."""

from __future__ import annotations

from dataclasses import asdict

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect

from workflows import packages
from workflows.errors import DeployError

from ..extensions import db
from ..security import DESIGNER, current_principal
from ..setup import deploy_with_roles

MAX_ARCHIVE = packages.files.MAX_ARCHIVE_BYTES


def package_json(package: packages.ServicePackage) -> dict:
    return {"code": package.code, "version": package.version, "name": package.name,
            "content_hash": package.content_hash, "deployed_at": package.deployed_at.isoformat() + "Z",
            "deployed_by": package.deployed_by, "warnings": package.warnings}


class PackageApi(BaseApi):
    resource_name = "packages"
    class_permission_name = DESIGNER
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"list": "read", "deploy": "write"}

    @expose("/", methods=["GET"])
    @protect(allow_browser_login=True)
    def list(self):  # noqa: ANN201 (FAB's view signature)
        """The newest version of every deployed package."""
        return self.response(200, result=[package_json(p) for p in packages.latest_packages(db.session)])

    @expose("/", methods=["POST"])
    @protect()
    def deploy(self):  # noqa: ANN201
        """Deploy the zip in the form field `archive` (or the raw body): 201 new version, 200 unchanged."""
        upload = request.files.get("archive")
        data = upload.stream.read(MAX_ARCHIVE + 1) if upload else request.get_data(cache=False)
        if not data:
            return self.response(400, message="Kirim arsip zip paket di isian 'archive'. "
                                              "(Send the package's zip archive in the field 'archive'.)")
        try:
            result = deploy_with_roles(packages.from_archive(data), current_principal().username)
        except DeployError as exc:
            db.session.rollback()
            return self.response(422, message=str(exc).split("\n")[0],
                                 problems=[{**asdict(p), "text": str(p)} for p in exc.problems])
        body = package_json(result.package) | {
            "processes": [{"process_id": d.process_id, "version": d.version} for d in result.definitions]}
        return self.response(201 if result.created else 200, result=body)
