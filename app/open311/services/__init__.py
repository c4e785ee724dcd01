"""GET /open311/v2/services.{json,xml} and /open311/v2/services/{service_code}.{json,xml}.

Services are the PMKS categories a report can be about (forms/pmks.json); each needs
the village (attribute `kode_wilayah`) and may be marked confidential (`rahasia`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request

from ...package_english import category_name
from ...portal import catalogue
from ...regions import villages
from ..common import Open311Error, api, check_format, check_jurisdiction, render

GROUP = "Pengaduan PMKS"


def service_row(category: dict[str, Any]) -> dict[str, Any]:
    description = f"Laporan warga tentang {category['nama'].lower()} kepada Dinas Sosial."
    if category.get("sensitif"):
        description += " Laporan kategori ini selalu dirahasiakan."
    return {
        "service_code": category["kode"],
        "service_name": category_name(category),  # English when the session's language is English
        "description": description,
        "metadata": True,  # kode_wilayah is a required attribute
        "type": "realtime",
        "keywords": ", ".join(["pmks", "dinas sosial", *category["nama"].lower().split()[:3]]),
        "group": GROUP,
    }


def attributes() -> list[dict[str, Any]]:
    office = current_app.config["LIGAT_OFFICE_REGION"]
    return [
        {
            "variable": True, "code": "kode_wilayah", "datatype": "singlevaluelist", "required": True,
            "datatype_description": "Kode Kemendagri kelurahan/kampung", "order": 1,
            "description": "Kelurahan / kampung tempat kejadian",
            "values": [{"key": code, "name": name} for code, name in villages(office)],
        },
        {
            "variable": True, "code": "rahasia", "datatype": "singlevaluelist", "required": False,
            "datatype_description": "true atau false", "order": 2,
            "description": "Rahasiakan laporan (tidak tampil di daftar publik)",
            "values": [{"key": "true", "name": "Ya, rahasiakan"}, {"key": "false", "name": "Tidak"}],
        },
    ]


@api.get("/v2/services.<fmt>")
def services(fmt: str) -> Response:
    check_format(fmt)
    check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, [service_row(c) for c in catalogue.categories()], "services", "service")


@api.get("/v2/services/<service_code>.<fmt>")
def service_definition(service_code: str, fmt: str) -> Response:
    check_format(fmt)
    check_jurisdiction(request.args.get("jurisdiction_id"))
    if catalogue.category(service_code) is None:
        raise Open311Error(404, f"service_code '{service_code}' tidak dikenal. (service_code not found.)")
    return render(fmt, {"service_code": service_code, "attributes": attributes()}, "service_definition")
