"""The inbox page's parts made once per page or per deploy: the rows joined in Python, the packages kept per
process until a deploy (made by any process), the newest package id read once per request."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.integration.test_packages import small_package
from workflows.db import utcnow
from workflows.inbox import InboxRow
from workflows.packages import deploy_package, latest_heads, newest_package_id


def _row(**values) -> InboxRow:
    base = {"id": 7, "case_id": 3, "title": "Verifikasi pengaduan", "category": None, "region_code": None,
            "priority": 0, "due_at": None, "claimed_by": None, "assignee": None, "reference": "ADU-1",
            "confidential": False}
    return InboxRow(**(base | values))


def _texts(app, lang: str = "id"):
    from app.views.inbox_rows import row_texts

    return row_texts(lang, "operator", 'tok"en', task_url=("/inbox/", ""), case_url=("/kasus/", ""),
                     claim_url=("/inbox/", "/ambil"), sensitive={"anak_jalanan"})


def test_rows_escape_their_values_and_show_the_badges(app):
    from app.views.inbox_rows import rows_html

    now = utcnow()
    rows = [
        _row(id=1, title="<b>Tugas</b>", reference="A&B", priority=1, confidential=True, assignee="operator",
             due_at=now - timedelta(hours=1)),
        _row(id=2, category="anak_jalanan", claimed_by="<petugas>", due_at=datetime(2026, 11, 21, 10, 0)),
    ]
    with app.test_request_context():
        html = str(rows_html(rows, {1: "overdue", 2: "on_time"}, _texts(app)))
    first, second = re.findall(r"<tr data-task-id=\"\d+\">.*?</tr>", html)
    assert "&lt;b&gt;Tugas&lt;/b&gt;" in first and "<b>" not in html and "A&amp;B" in first
    assert "badge-urgent" in first and "badge-confidential" in first and "assigned-to-me" in first
    assert '<span class="label sla-overdue label-danger">Terlambat</span>' in first
    assert 'action="/inbox/1/ambil"' in first and 'value="tok&#34;en"' in first  # unclaimed: its claim form
    assert 'href="/inbox/1"' in first and 'href="/kasus/3"' in first
    # A sensitive category is marked confidential; a claimed task has no claim form and shows who has it.
    assert "badge-confidential" in second and "badge-urgent" not in second and "assigned-to-me" not in second
    assert "&lt;petugas&gt;" in second and "<form" not in second
    assert "21 November 2026 19:00 WIT" in second and "sla-on_time" in second


def test_rows_in_english(app):
    from app.views.inbox_rows import rows_html

    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["locale"] = "en"
        row = _row(priority=1, title="Verifikasi Pengaduan", due_at=datetime(2026, 3, 5, 1, 0))
        html = str(rows_html([row], {7: "none"}, _texts(app, "en")))
    assert ">Emergency</span>" in html and ">No due date</span>" in html and ">Claim</button>" in html
    assert "5 March 2026 10:00 WIT" in html and "Complaint verification" in html


def test_kept_packages_follow_a_deploy_by_another_process(app, db_session):
    """The heads are kept per process and keyed by the newest package id, read again in each transaction:
    a version deployed elsewhere (here another session, as another process would) shows at the next one."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    before = latest_heads(db_session)
    assert latest_heads(db_session) is before  # kept, not read again
    with Session(engine) as other:
        deploy_package(other, small_package("uji_kepala", "uji_kepala"))
    db_session.rollback()  # a new transaction (a new request)
    after = {head.code: head for head in latest_heads(db_session)}
    assert "uji_kepala" in after and after["uji_kepala"].descriptor.name["en"] == "Test uji_kepala"
    assert newest_package_id(db_session) == after["uji_kepala"].id
    # A deploy in this very transaction is seen at once.
    deploy_package(db_session, small_package("uji_kepala", "uji_kepala", script='set_status("Beres")'))
    assert {h.code: h.version for h in latest_heads(db_session)}["uji_kepala"] == 2


def test_the_inbox_page_reads_the_newest_package_once_and_lists_new_lines(app, login_as, db_session):
    from app.extensions import db

    client = login_as("operator")
    client.get("/inbox/")
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, many) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        html = client.get("/inbox/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert sum("max(service_package.id)" in s for s in seen) == 1
    assert not any(re.search(r"FROM service_package\b(?!.*max)", s) and "GROUP BY" in s for s in seen)
    assert 'value="uji_baris_baru"' not in html
    with Session(engine) as other:
        deploy_package(other, small_package("uji_baris_baru", "uji_baris_baru"))
    assert 'value="uji_baris_baru"' in client.get("/inbox/").get_data(as_text=True)


def _statements_of(app, request) -> list[str]:  # noqa: ANN001
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, many) -> None:  # noqa: ANN001
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def test_the_user_statement_reads_the_profile_generation_and_newest_package(app, login_as):
    """One statement reads the signed-in user with what the request needs of them (was four, one after another):
    the page sends it, its own query and the saved filters."""
    client = login_as("kelurahan.abepura")
    client.get("/inbox/")
    seen = _statements_of(app, lambda: client.get("/inbox/"))
    users = [s for s in seen if "FROM ab_user" in s]
    assert len(users) == 1 and "officer_profile" in users[0] and "session_generation" in users[0]
    assert "max(service_package.id)" in users[0]
    own = re.compile(r"SELECT (officer_profile\.|session_generation\.|max\(service_package\.id\))")
    assert not [s for s in seen if own.match(s)]
    assert len(seen) == 3, seen


def test_a_profile_or_session_changed_elsewhere_counts_at_the_next_request(app, login_as, db_session):
    """The values read with the user are kept for one transaction only: a change made by another process (here
    another session) between two requests is seen by the second."""
    from flask_appbuilder.security.sqla.models import User

    from app.accounts import SessionGeneration
    from app.models import OfficerProfile

    client = login_as("kelurahan.abepura")
    assert "Wilayah 91.71.03" in client.get("/inbox/").get_data(as_text=True)
    user_id = db_session.scalar(select(User.id).where(User.username == "kelurahan.abepura"))
    profile = db_session.scalar(select(OfficerProfile).where(OfficerProfile.user_id == user_id))
    profile.region_code = "91.71.01"
    db_session.commit()
    try:
        assert "Wilayah 91.71.01" in client.get("/inbox/").get_data(as_text=True)
    finally:
        profile.region_code = "91.71.03"
        db_session.commit()
    # Logged out elsewhere: the generation moved on, this browser's session ends at its next request.
    row = db_session.get(SessionGeneration, user_id) or SessionGeneration(user_id=user_id, generation=0)
    row.generation = (row.generation or 0) + 1
    db_session.add(row)
    db_session.commit()
    response = client.get("/inbox/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_filter_options_are_the_templates_markup(app):
    """The options made in Python are what the template's loop wrote, escaping and the chosen one included."""
    from jinja2 import Environment

    from app.views.inbox_filter import _choices, options_html

    template = Environment(autoescape=True).from_string(
        '{% for code, label in pairs %}<option value="{{ code }}" {% if chosen == code %}selected{% endif %}>'
        "{{ label }}</option>{% endfor %}")
    pairs = [("91.71", 'Kota <Jayapura> & "x"'), ("91.71.01", "— Distrik 'Abe'"), ("a&b", "A & B")]
    for chosen in (None, "91.71.01", "a&b", "zz"):
        assert str(options_html(_choices(pairs), chosen)) == template.render(pairs=pairs, chosen=chosen)


def test_category_options_in_both_languages(app):
    from markupsafe import escape

    import forms
    from app.package_english import package_text
    from app.views.inbox_filter import category_choices

    with app.test_request_context():
        for lang in ("id", "en"):
            labels = [label for _, _, label in category_choices(lang)]
            assert labels == [str(escape(package_text(c["nama"], lang=lang))) for c in forms.pmks_categories()]
        assert category_choices("en") != category_choices("id")
        assert category_choices("en") is category_choices("en")  # kept until a deploy


def test_the_navbar_shows_each_role_its_menus(app, login_as):
    """The menu entries come from FAB's checks (the user resolved once a request): the office head has the
    audit and dashboard, the operator neither; an auditor has no inbox."""
    kadis = login_as("kadis").get("/inbox/").get_data(as_text=True)
    operator = login_as("operator").get("/inbox/").get_data(as_text=True)
    for menu in ('href="/audit/"', 'href="/dasbor/"'):
        assert f'tabindex="-1" {menu}' in kadis and f'tabindex="-1" {menu}' not in operator
    assert 'tabindex="-1" href="/inbox/"' in operator and 'tabindex="-1" href="/inbox/"' in kadis
    assert login_as("auditor").get("/inbox/").status_code == 403


def test_templates_translate_with_the_locale_of_the_moment(app):
    """The templates' `_()` keeps the request's catalogue, and looks again when Flask-Babel's locale changes
    within the request (force_locale, refresh after the language switch)."""
    from flask import session
    from flask_babel import force_locale, refresh

    template = app.jinja_env.from_string("{{ _('Kotak Tugas') }}|{{ pgettext('kolom', 'Kasus') }}")
    with app.test_request_context("/inbox/"):
        assert template.render() == "Kotak Tugas|Kasus"
        with force_locale("en"):
            assert template.render() == "Inbox|Case"
        assert template.render() == "Kotak Tugas|Kasus"
        session["locale"] = "en"
        refresh()
        assert template.render() == "Inbox|Case"
