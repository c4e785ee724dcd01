"""The inbox filter form's option lists as HTML.

The form offers every region of the office's area and every PMKS category (about 75 options): in the template
each option took a loop step, a comparison, two escapes and, for a category, a translation. The regions and
the categories only change with a deploy (the bundled region data, the packages' English tables), so their
escaped options are made once per process (per language and newest package); a request only marks its choice.
The markup is the template's (tests/integration/test_inbox_page_parts.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from markupsafe import Markup, escape

import forms
from workflows.packages import PackageHead, newest_package_id, text

from ..extensions import db
from ..package_english import package_text
from ..regions import office_areas

Choices = tuple[tuple[str, str, str], ...]  # (value, value escaped, label escaped)
_CATEGORIES: dict[tuple[str, int, int | None], Choices] = {}


def options_html(choices: Choices, selected: str | None) -> Markup:
    """The `<option>`s of `choices`, the one whose value is `selected` marked so."""
    return Markup("".join([f'<option value="{value}" {"selected" if raw == selected else ""}>{label}</option>'
                           for raw, value, label in choices]))


def _choices(pairs: Iterable[tuple[str, str]]) -> Choices:
    return tuple((value, str(escape(value)), str(escape(label))) for value, label in pairs)


@functools.lru_cache(maxsize=8)
def area_choices(office_region: str) -> Choices:
    """The office's region and every region under it (app/regions.py `office_areas`)."""
    return _choices(office_areas(office_region))


def category_choices(lang: str) -> Choices:
    """The PMKS categories by their names in `lang` (an English name may come from a package's table: kept
    until a deploy adds a version)."""
    key = (lang, id(db.session.get_bind()), newest_package_id(db.session) if lang == "en" else None)
    found = _CATEGORIES.get(key)
    if found is None:
        if len(_CATEGORIES) > 16:
            _CATEGORIES.clear()
        found = _CATEGORIES[key] = _choices((c["kode"], package_text(c["nama"], lang=lang))
                                            for c in forms.pmks_categories())
    return found


def category_names(lang: str) -> Mapping[str, str]:
    """The PMKS categories' names in `lang`, escaped, by code (the rows' category column)."""
    return _names_of(category_choices(lang))


@functools.lru_cache(maxsize=8)
def _names_of(choices: Choices) -> Mapping[str, str]:
    return MappingProxyType({raw: label for raw, _value, label in choices})


def line_choices(lines: Iterable[PackageHead], lang: str) -> Choices:
    """The deployed service lines by their names in `lang` (a few: made per request)."""
    return _choices((p.code, text(p.descriptor.name, lang)) for p in lines)
