"""The inbox table's rows as HTML, joined in Python.

The rows were most of the inbox page's CPU: in the template each row took about 25 escapes, a dozen
attribute lookups and a filter call per cell (each asking the page's language again), every piece passed
up through five nested template generators. Here the per-page texts (labels, link prefixes, the CSRF
token, the language) are prepared once, and a row escapes only its own values. The markup is the one
the template wrote (tests/integration/test_inbox_paging.py compares a page cell by cell).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from workflows.inbox import InboxRow

from ..package_english import package_text
from ..regions import region_label
from .display import category_label, format_dt, request_line_names
from .inbox_filter import category_names


@dataclass(frozen=True)
class RowTexts:
    """What every row of one page shares, made once per page."""

    lang: str
    username: str
    token: str
    task_url: tuple[str, str]
    case_url: tuple[str, str]
    claim_url: tuple[str, str]
    sensitive: frozenset[str]
    line_names: dict[str, str]  # a service line's code → its name in the page's language
    categories: Mapping[str, str]  # a PMKS category's code → its name in the page's language, escaped
    urgent: Markup
    secret: Markup
    mine: Markup
    claim: Markup
    sla: Mapping[str, Markup]  # SLA code → its badge


def row_texts(lang: str, username: str, token: str, task_url: tuple[str, str], case_url: tuple[str, str],
              claim_url: tuple[str, str], sensitive: Iterable[str]) -> RowTexts:
    """The page's shared texts: labels translated and their badges escaped once (per process and language)."""
    return RowTexts(lang=lang, username=username, token=str(escape(token)), task_url=_escaped(task_url),
                    case_url=_escaped(case_url), claim_url=_escaped(claim_url), sensitive=frozenset(sensitive),
                    line_names=request_line_names(), categories=category_names(lang),
                    **_labels(lang, str(get_locale())))


@functools.lru_cache(maxsize=8)
def _labels(lang: str, locale: str) -> dict[str, Markup | Mapping[str, Markup]]:
    """The badges and the claim button in the language of the request that first asks (its locale is part of
    the key: the catalogues are loaded once per process and never change)."""
    sla = {code: Markup('<span class="label sla-{0} label-{1}">{2}</span>').format(code, kind, label)
           for code, (kind, label) in {"overdue": ("danger", _("Terlambat")),
                                       "due_soon": ("warning", _("Segera jatuh tempo")),
                                       "on_time": ("success", _("Tepat waktu")),
                                       "none": ("default", _("Tanpa tenggat"))}.items()}
    return {"urgent": Markup('<span class="label label-danger badge-urgent">{0}</span> ').format(_("Darurat")),
            "secret": Markup('<span class="label label-warning badge-confidential">{0}</span> ').format(_("Rahasia")),
            "mine": Markup(' <span class="label label-info assigned-to-me">{0}</span>').format(
                _("Ditujukan kepada Anda")),
            "claim": escape(_("Ambil")), "sla": MappingProxyType(sla)}


def _escaped(pair: tuple[str, str]) -> tuple[str, str]:
    return str(escape(pair[0])), str(escape(pair[1]))


def rows_html(rows: Iterable[InboxRow], sla: Mapping[int, str], texts: RowTexts) -> Markup:
    """The `<tr>` of every row, in order; `sla`: each row's SLA code (workflows.inbox.sla_badge)."""
    titles: dict[str, str] = {}  # a page shows a few task names, each on many rows
    return Markup("".join([_row(row, sla[row.id], texts, titles) for row in rows]))


@functools.lru_cache(maxsize=8192)  # the bundled region names never change in a process
def _region(code: str | None) -> str:
    return str(escape(region_label(code)))


def _row(row: InboxRow, sla_code: str, t: RowTexts, titles: dict[str, str]) -> str:
    task_id = int(row.id)  # ints need no escaping
    badges = (t.urgent if row.priority else "") + (
        t.secret if row.confidential or row.category in t.sensitive else "")
    mine = t.mine if row.assignee == t.username else ""
    claim = "" if row.claimed_by else (
        f'<form method="post" action="{t.claim_url[0]}{task_id}{t.claim_url[1]}" style="display:inline">'
        f'<input type="hidden" name="csrf_token" value="{t.token}">'
        f'<button class="btn btn-sm btn-primary" type="submit">{t.claim}</button></form>')
    title = titles.get(row.title)
    if title is None:
        title = titles[row.title] = str(escape(package_text(row.title, lang=t.lang)))
    category = t.categories.get(row.category) if row.category else None
    if category is None:
        category = escape(category_label(row.category, t.lang, t.line_names))
    return (
        f'<tr data-task-id="{task_id}">'
        f'<td>{badges}<a href="{t.task_url[0]}{task_id}{t.task_url[1]}">{title}</a>{mine}</td>'
        f'<td><a href="{t.case_url[0]}{int(row.case_id)}{t.case_url[1]}">{escape(row.reference)}</a></td>'
        f'<td>{category}</td>'
        f'<td>{_region(row.region_code)}</td>'
        f'<td>{escape(format_dt(row.due_at, lang=t.lang))}</td>'
        f'<td>{t.sla[sla_code]}</td>'
        f'<td>{escape(row.claimed_by or "–")}</td>'
        f'<td>{claim}</td></tr>'
    )
