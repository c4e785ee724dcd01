"""What every Open311 GeoReport v2 resource shares: the blueprint, the two formats
(JSON arrays, XML documents), the error list, W3C datetimes and the jurisdiction.

Spec: https://wiki.open311.org/GeoReport_v2 (field names and shapes followed as written).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request
from lxml import etree

from ..views.display import OFFICE_TZ

api = Blueprint("open311", __name__, url_prefix="/open311")

FORMATS = {"json": "application/json", "xml": "text/xml"}
# Child element names of list-valued fields in the spec's XML examples.
XML_ITEM = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


# Characters XML 1.0 cannot hold (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF): a report
# containing one would make every XML listing fail. They become U+FFFD in XML (JSON keeps them).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))


def _append(parent: etree._Element, tag: str, value: Any) -> None:
    element = etree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list):
        for child in value:
            _append(element, XML_ITEM.get(tag, "item"), child)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str | None, payload: list[dict[str, Any]] | dict[str, Any]) -> bytes:
    element = etree.Element(root)
    if isinstance(payload, dict):
        for key, value in payload.items():
            _append(element, key, value)
    else:
        for row in payload:
            _append(element, item or "item", row)
    return etree.tostring(element, xml_declaration=True, encoding="utf-8", pretty_print=True)


def render(fmt: str, payload: list[dict[str, Any]] | dict[str, Any], root: str, item: str | None = None,
           status: int = 200) -> Response:
    """JSON as the spec shows it (arrays; an object for a service definition), or its XML twin."""
    if fmt == "xml":
        return Response(to_xml(root, item, payload), status=status, mimetype=FORMATS["xml"])
    # The stdlib encoder keeps the spec's field order (Flask's sorts keys).
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype=FORMATS["json"])


def error_response(code: int, description: str, fmt: str | None = None) -> Response:
    """The spec's error shape: [{"code": 403, "description": "..."}], <errors><error>... in XML."""
    fmt = fmt or ("xml" if request.path.endswith(".xml") else "json")
    return render(fmt, [{"code": code, "description": description}], "errors", "error", status=code)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, "Format tidak dikenal; gunakan .json atau .xml. (Unknown format.)")
    return fmt


def jurisdiction() -> str:
    config = current_app.config
    return config.get("LIGAT_OPEN311_JURISDICTION") or config["LIGAT_OFFICE_REGION"]


def check_jurisdiction(value: str | None) -> None:
    if value and value != jurisdiction():
        raise Open311Error(404, f"jurisdiction_id tidak dikenal; gunakan {jurisdiction()}. (Unknown jurisdiction_id.)")


def w3c(value: datetime | None) -> str | None:
    """W3C datetime with the office's offset, e.g. 2026-11-23T18:14:27+09:00 (the DB keeps naive UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC, microsecond=0).astimezone(OFFICE_TZ).isoformat()


MIN_YEAR, MAX_YEAR = 1900, 9000  # dates a query may name; far from the calendar's edges


def parse_w3c(name: str, value: str) -> datetime:
    invalid = f"{name} harus tanggal W3C, mis. 2026-11-01T00:00:00+09:00. (Invalid {name}.)"
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=OFFICE_TZ)
        result = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:  # OverflowError: 0001-01-01 in UTC is before year 1
        raise Open311Error(400, invalid) from exc
    if not MIN_YEAR <= result.year <= MAX_YEAR:
        raise Open311Error(400, f"{name} harus antara tahun {MIN_YEAR} dan {MAX_YEAR}. ({name} out of range.)")
    return result


@api.errorhandler(Open311Error)
def _open311_error(error: Open311Error) -> Response:
    return error_response(error.code, error.description)


@api.errorhandler(404)
def _not_found(_error: Exception) -> Response:
    return error_response(404, "Sumber tidak ditemukan. (Not found.)")


@api.errorhandler(405)
def _not_allowed(_error: Exception) -> Response:
    return error_response(405, "Metode tidak diizinkan. (Method not allowed.)")


@api.errorhandler(413)
def _too_large(_error: Exception) -> Response:
    return error_response(413, "Permintaan terlalu besar. (Request too large.)")


@api.errorhandler(500)
def _server_error(_error: Exception) -> Response:
    return error_response(500, "Kesalahan server. (Server error.)")
