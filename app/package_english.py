"""Texts from service packages (task names, case statuses, roles, form labels, PMKS categories) in the
page's language: the package's English table (`bpmn/<code>/en.json`, see workflows.packages.english)
on an English page, the Indonesian text otherwise and wherever the table has no entry.

A case's own pages use its package version's table; lists that mix lines use the tables of every
line's newest version. The shared lists' table (`forms/en.json`) comes last in both.
"""

from __future__ import annotations

from typing import Any

from flask import g

import forms
from workflows.packages import ServicePackage, files_of, latest_packages, newest_package_id
from workflows.packages import english as package_english

from .extensions import db
from .views.display import ui_lang

_TABLES: dict[str, dict[str, str]] = {}
_MERGED: dict[tuple[int, int | None], dict[str, str]] = {}


def table_of(package: ServicePackage) -> dict[str, str]:
    """One package version's English table, read once per process (a version never changes)."""
    found = _TABLES.get(package.content_hash)
    if found is None:
        if len(_TABLES) > 256:
            _TABLES.clear()
        found = _TABLES[package.content_hash] = package_english.table_of(files_of(package))
    return found


def _merged() -> dict[str, str]:
    """The tables of every line's newest version, kept per process until a deploy adds a version (asked
    once per request: a list asks for every row)."""
    if "ligat_package_english" not in g:
        g.ligat_package_english = _merged_now()
    return g.ligat_package_english


def _merged_now() -> dict[str, str]:
    key = (id(db.session.get_bind()), newest_package_id(db.session))
    found = _MERGED.get(key)
    if found is None:
        if len(_MERGED) > 16:
            _MERGED.clear()
        found = {}
        for package in latest_packages(db.session):
            for text, english in table_of(package).items():
                found.setdefault(text, english)
        _MERGED[key] = found
    return found


def tables(package: ServicePackage | None = None) -> tuple[dict[str, str], ...]:
    """The tables a text is looked up in, most specific first."""
    if package is not None:
        return table_of(package), forms.shared_english()
    return _merged(), forms.shared_english()


def package_text(text: str | None, package: ServicePackage | None = None, lang: str | None = None) -> str:
    """A package's text (task name, status, role) in the page's language (`lang` when the caller has it);
    Indonesian when no English."""
    if not text:
        return text or ""
    if (lang or ui_lang()) != "en":
        return text
    return package_english.translate(text, *tables(package)) or text


def localized_form(schema: dict[str, Any], ui: dict[str, Any],
                   package: ServicePackage | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A form and its UI schema as the page shows them: labels in English on an English page."""
    if ui_lang() != "en":
        return schema, ui
    found = tables(package)
    return package_english.localize_schema(schema, *found), package_english.localize_ui(ui, *found)


def category_name(category: dict[str, Any]) -> str:
    """A PMKS category's name (forms/pmks.json) in the page's language."""
    if ui_lang() != "en":
        return category["nama"]
    return package_english.translate(category["nama"], forms.shared_english()) or category["nama"]


def localized_rows(rows: list[dict[str, Any]], *keys: str, package: ServicePackage | None = None
                   ) -> list[dict[str, Any]]:
    """Copies of rows (dashboard figures, heatmap tables) whose `keys` hold package texts, in the page's
    language (through one package version's table when given, else every line's newest)."""
    if ui_lang() != "en":
        return rows
    return [{k: package_text(v, package) if k in keys and isinstance(v, str) else v for k, v in row.items()}
            for row in rows]


def localized_heatmap(data: dict[str, Any], package: ServicePackage | None = None) -> dict[str, Any]:
    """A heatmap's task and flow tables with the diagram's names (tasks, events, gateways, flows) in the page's
    language, through the table of the package version whose diagram it is."""
    return {**data, "tugas": localized_rows(data.get("tugas", []), "nama", package=package),
            "alur": localized_rows(data.get("alur", []), "nama", "dari", "ke", package=package)}


def localized_figures(data: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's figures with the stage names (task names) in the page's language."""
    return {**data, **{group: localized_rows(data[group], "judul") for group in ("sla_tahap", "antrean")
                       if group in data}}


def shown_value(prop: dict[str, Any], text: str, package: ServicePackage | None = None) -> str:
    """A field's value as a page shows it: an option's label in the page's language; what someone typed stays
    as it was typed (even when it happens to equal a text of the table)."""
    has_options = prop.get("enum") or (prop.get("items") or {}).get("enum") or prop.get("x-sumber")
    return package_text(text, package) if has_options else text


def localized_bpmn(xml: str, package: ServicePackage | None = None) -> str:
    """A diagram whose element names (tasks, events, gateways, flows, lanes) read in the page's language, for a
    viewer that draws the names from the XML (the heatmap); names the tables do not hold stay as drawn."""
    if ui_lang() != "en":
        return xml
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    found = tables(package)
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("name"):
            node.set("name", package_english.translate(node.get("name"), *found) or node.get("name"))
    return etree.tostring(root, encoding="unicode")
