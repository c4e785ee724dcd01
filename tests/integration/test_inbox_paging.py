"""Inbox pages by key (the place of a row in the order), on SQLite and PostgreSQL: every open task once, in
order, with equal sort keys, backwards too, and while tasks come and go between pages; a key that was not
made by the inbox never makes an error page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select

from tests.integration.test_work_api import token_for
from workflows.db import Case, InboxTask, ProcessDefinition
from workflows.inbox import (
    DUE_CHOICES,
    InboxFilter,
    InvalidPageKey,
    PageKey,
    decode_key,
    encode_key,
    inbox,
    inbox_page,
    inbox_query,
    inbox_rows,
)
from workflows.principal import OPERATOR, Principal

CATEGORY = "uji_halaman_kunci"  # only these tests' rows: a filter of its own keeps other tests' tasks out
OPERATOR_PRINCIPAL = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
NARROW = InboxFilter(category=CATEGORY)
BASE = datetime(2026, 11, 24, 8, 0)


def add_tasks(session, shapes: list[tuple[int, datetime | None]]) -> list[int]:
    """Open operator tasks (one case each) of the given priority and due time; their ids."""
    definition = session.scalar(select(ProcessDefinition.id).limit(1))
    ids = []
    for priority, due_at in shapes:
        tag = uuid.uuid4().hex
        case = Case(reference=f"UJI-{tag[:20]}", tracking_code=tag[:16], process_definition_id=definition,
                    process_id="uji", status="Verifikasi", started_by="uji", serialized="{}",
                    category=CATEGORY, region_code="91.71.01.1001")
        session.add(case)
        session.flush()
        task = InboxTask(case_id=case.id, task_uuid=str(uuid.uuid4()), task_name="verifikasi", title="Uji",
                         role=OPERATOR, category=CATEGORY, region_code="91.71.01.1001", priority=priority,
                         due_at=due_at, state="open")
        session.add(task)
        session.flush()
        ids.append(task.id)
    session.commit()
    return ids


# Ties everywhere: several tasks share a priority and a due time; tasks without one share "none".
SHAPES = ([(1, BASE)] * 4 + [(1, None)] * 3 + [(0, BASE - timedelta(hours=1))] * 5 + [(0, BASE)] * 6
          + [(0, BASE + timedelta(microseconds=1))] * 2 + [(0, None)] * 7 + [(1, BASE + timedelta(days=1))] * 2)


@pytest.fixture
def tasks(db_session) -> Iterator[list[int]]:
    add_tasks(db_session, SHAPES)
    yield expected(db_session)
    db_session.rollback()
    mine = select(Case.id).where(Case.category == CATEGORY)
    db_session.execute(delete(InboxTask).where(InboxTask.case_id.in_(mine)))
    db_session.execute(delete(Case).where(Case.category == CATEGORY))
    db_session.commit()


def expected(session) -> list[int]:
    """The open tasks of the test's category, in the inbox's order (one query, no paging)."""
    query = inbox_query(OPERATOR_PRINCIPAL).with_only_columns(InboxTask.id).where(*NARROW.conditions())
    return list(session.scalars(query))


def read(session, limit: int, **keys):  # noqa: ANN201
    return inbox_page(inbox_rows, limit, session=session, principal=OPERATOR_PRINCIPAL, narrow=NARROW, **keys)


def walk_forward(session, limit: int) -> list:
    pages, key = [], None
    while True:
        page = read(session, limit, after=key)
        pages.append(page)
        if page.next_key is None:
            return pages
        key = page.next_key


def ids_of(page) -> list[int]:  # noqa: ANN001
    return [row.id for row in page.rows]


def place(key: PageKey) -> tuple:
    """A key's place in the inbox order, in Python: more urgent first, then due time (none last), then id."""
    return (-key.priority, key.due_at is None, key.due_at or BASE, key.id)


def places(session) -> dict[int, tuple]:
    rows = session.execute(select(InboxTask.priority, InboxTask.due_at, InboxTask.id)
                           .where(InboxTask.category == CATEGORY))
    return {row.id: place(PageKey(*row)) for row in rows}


def test_every_task_once_in_order_with_ties_forward_and_back(db_session, tasks):
    assert len(tasks) == len(SHAPES)
    at = places(db_session)
    assert tasks == sorted(tasks, key=at.get)  # the query's order is the order the keys describe
    for limit in (1, 4, 7, len(SHAPES), len(SHAPES) + 5):
        pages = walk_forward(db_session, limit)
        assert [i for page in pages for i in ids_of(page)] == tasks
        assert all(len(page.rows) == limit for page in pages[:-1])
        assert pages[0].first and not any(page.first for page in pages[1:])
        # Backwards from the last page by the "previous" keys: the same pages, down to the first.
        back, page = [], pages[-1]
        while page.previous_key:
            page = read(db_session, limit, before=page.previous_key)
            back.append(ids_of(page))
        assert page.first and back == [ids_of(p) for p in reversed(pages[:-1])]
    # The ORM reader pages the same way (the API's).
    orm = inbox_page(inbox, 5, session=db_session, principal=OPERATOR_PRINCIPAL, narrow=NARROW)
    assert ids_of(orm) == tasks[:5]
    after = inbox_page(inbox, 5, orm.next_key, session=db_session, principal=OPERATOR_PRINCIPAL, narrow=NARROW)
    assert ids_of(after) == tasks[5:10]


def test_tasks_done_and_added_between_pages(db_session, tasks):
    limit = 5
    first = read(db_session, limit)
    second = read(db_session, limit, after=first.next_key)
    assert ids_of(first) + ids_of(second) == tasks[:10]
    # Meanwhile: the row the next key came from is done, one further on too, and one already shown; new tasks
    # arrive, one before the place reached (seen on going back), others after it (still to come), with ties.
    done = {second.rows[-1].id, tasks[12], tasks[1]}
    for row in db_session.scalars(select(InboxTask).where(InboxTask.id.in_(done))):
        row.state = "completed"
    db_session.commit()
    key = decode_key(second.next_key)
    early = add_tasks(db_session, [(1, BASE - timedelta(days=1))])
    late = add_tasks(db_session, [(0, None), (0, BASE), (key.priority, key.due_at)])
    seen, page = [], second
    while page.next_key:
        page = read(db_session, limit, after=page.next_key)
        seen += ids_of(page)
    now, at = expected(db_session), places(db_session)
    # After the place reached: every task open now, once each, in order, the new ones included.
    assert seen == [i for i in now if at[i] > place(key)]
    assert set(late) <= set(seen) and early[0] not in seen and tasks[12] not in seen
    # Going back from there: the five open tasks just before that place, the new early one among them when
    # it falls there; and the first page is today's first page.
    again = read(db_session, limit, before=second.next_key)
    assert ids_of(again) == [i for i in now if at[i] < place(key)][-limit:]
    assert ids_of(read(db_session, limit)) == now[:limit] and now[0] == early[0]


@pytest.mark.parametrize("due", ["terlambat", "hari_ini", "minggu_ini"])
def test_a_kept_page_statement_takes_the_due_bounds_of_each_request(db_session, tasks, monkeypatch, due):
    """The page statement is kept per process with the due filter's bounds as parameters: a later request (a
    later now) gets its own bounds, not the ones of the request that built it; and the same rows, page by page,
    as the statement built anew."""
    import workflows.inbox as inbox_module

    narrow = InboxFilter(category=CATEGORY, due=due)
    for now in (BASE - timedelta(hours=2), BASE + timedelta(minutes=30), BASE + timedelta(days=2)):
        monkeypatch.setattr(inbox_module, "utcnow", lambda now=now: now)
        want = list(db_session.scalars(inbox_query(OPERATOR_PRINCIPAL).with_only_columns(InboxTask.id)
                                       .where(*narrow.conditions(now))))
        hits = inbox_module._rows_statement.cache_info().hits
        first = inbox_page(inbox_rows, 4, session=db_session, principal=OPERATOR_PRINCIPAL, narrow=narrow)
        rest = inbox_page(inbox_rows, 50, first.next_key, session=db_session, principal=OPERATOR_PRINCIPAL,
                          narrow=narrow) if first.next_key else None
        assert ids_of(first) + (ids_of(rest) if rest else []) == want
        assert [row.id for row in inbox(db_session, OPERATOR_PRINCIPAL, narrow=narrow)] == want
        if now != BASE - timedelta(hours=2):
            assert inbox_module._rows_statement.cache_info().hits > hits  # the kept statement, reused
    assert len({tuple(ids_of(inbox_page(inbox_rows, 50, session=db_session, principal=OPERATOR_PRINCIPAL,
                                        narrow=InboxFilter(category=CATEGORY, due=d)))) for d in DUE_CHOICES}) > 1


def test_keys_are_opaque_and_checked():
    import base64

    key = PageKey(1, datetime(2026, 1, 2, 3, 4, 5, 678901), 42)
    text = encode_key(key)
    assert decode_key(text) == key and re.fullmatch(r"[A-Za-z0-9_-]+", text)
    assert decode_key(encode_key(PageKey(0, None, 7))) == PageKey(0, None, 7)

    def wrap(plain: str) -> str:
        return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")

    for bad in ("", "x", "!!!!", text[:-3], text + "A", wrap("u1~~"), wrap("v1~~4"), wrap("u1~12~4~"),
                wrap("u0~999999999999999999~1"), wrap("u1~~4 "), wrap("u1~~١٢"),
                encode_key(PageKey(0, None, 2**31)), encode_key(PageKey(2**31, None, 1))):
        with pytest.raises(InvalidPageKey):
            decode_key(bad)


def test_a_stale_key_past_every_task_gives_an_empty_page_that_leads_back(db_session, tasks):
    beyond = encode_key(PageKey(-1, None, 2**31 - 1))
    page = read(db_session, 5, after=beyond)
    assert page.rows == [] and page.next_key is None and not page.first
    back = read(db_session, 5, before=page.previous_key)
    assert [r.id for r in back.rows] == tasks[-5:]
    # Before the very first task: fewer than a page there, so the first page.
    start = read(db_session, 5, before=encode_key(PageKey(10, None, 1)))
    assert start.first and [r.id for r in start.rows] == tasks[:5]


def test_inbox_page_links_walk_both_ways_and_survive_a_bad_key(login_as, db_session, tasks):
    from app.views.inbox import PAGE_SIZE

    extra = add_tasks(db_session, [(0, BASE)] * (PAGE_SIZE * 2 + 3 - len(tasks)))
    assert len(extra) > 0
    everything = expected(db_session)
    browser = login_as("operator")

    def get(url: str) -> tuple[list[int], dict[str, str]]:
        html = browser.get(url).get_data(as_text=True)
        ids = [int(i) for i in re.findall(r'data-task-id="(\d+)"', html)]
        nav = re.search(r'<p id="inbox-pages">(.*?)</p>', html, re.S).group(1)
        links = {m.group(2): m.group(1).replace("&amp;", "&")
                 for m in re.finditer(r'<a href="([^"]+)" id="inbox-(\w+)">', nav)}
        return ids, links

    ids, links = get(f"/inbox/?kategori={CATEGORY}")
    assert ids == everything[:PAGE_SIZE] and set(links) == {"next"}
    ids2, links2 = get(links["next"])
    assert ids2 == everything[PAGE_SIZE:2 * PAGE_SIZE] and set(links2) == {"first", "previous", "next"}
    assert f"kategori={CATEGORY}" in links2["next"] and "setelah=" in links2["next"]
    ids3, links3 = get(links2["next"])
    assert ids3 == everything[2 * PAGE_SIZE:] and "next" not in links3
    assert get(links3["previous"])[0] == ids2
    assert get(get(links3["previous"])[1]["previous"])[0] == ids
    assert get(links3["first"])[0] == ids
    # No NIK, name or offset in a page link: only the filter and the key.
    assert set(re.findall(r"[?&](\w+)=", links2["next"])) == {"kategori", "setelah"}
    # A tampered key: the first page and a message, in the page's language.
    html = browser.get(f"/inbox/?kategori={CATEGORY}&setelah=rusak!").get_data(as_text=True)
    assert "Tautan halaman kotak tugas tidak valid" in html
    assert [int(i) for i in re.findall(r'data-task-id="(\d+)"', html)] == ids
    browser.get("/lang/en")
    html = browser.get(f"/inbox/?kategori={CATEGORY}&sebelum=AAAA").get_data(as_text=True)
    assert "The inbox page link is not valid; the first page is shown." in html
    browser.get("/lang/id")
    # A page number far beyond the end (the old links' way): an empty page, not an error.
    assert browser.get(f"/inbox/?kategori={CATEGORY}&hal=2000000000").status_code == 200


def test_api_pages_by_key_and_refuses_a_bad_one(client, db_session, tasks):
    op = token_for(client, "operator")
    visible = list(db_session.scalars(inbox_query(OPERATOR_PRINCIPAL).with_only_columns(InboxTask.id)))
    walked, url, pages = [], "/api/v1/inbox/?limit=7", 0
    while url:
        body = client.get(url, headers=op).get_json()
        walked += [t["id"] for t in body["result"]]
        assert (body["previous"] is None) == (pages == 0)
        url = f"/api/v1/inbox/?limit=7&after={body['next']}" if body["next"] else None
        pages += 1
    assert walked == visible and pages == -(-len(visible) // 7)
    # The old call (no parameters) still answers the first 200 tasks.
    assert [t["id"] for t in client.get("/api/v1/inbox/", headers=op).get_json()["result"]] == visible[:200]
    offset = client.get("/api/v1/inbox/?limit=3&offset=4", headers=op).get_json()
    assert [t["id"] for t in offset["result"]] == visible[4:7]
    back = client.get(f"/api/v1/inbox/?limit=3&before={offset['previous']}", headers=op).get_json()
    assert [t["id"] for t in back["result"]] == visible[1:4]
    bad = client.get("/api/v1/inbox/?after=rusak", headers=op)
    assert bad.status_code == 400 and "(The inbox page key is not valid" in bad.get_json()["message"]
    assert client.get("/api/v1/inbox/?limit=0", headers=op).status_code == 400
    assert client.get("/api/v1/inbox/?limit=201", headers=op).status_code == 400
    assert client.get("/api/v1/inbox/?offset=1000001", headers=op).status_code == 400


def test_the_openapi_spec_of_the_inbox_names_its_paging(app):
    """FAB builds the spec from the method's docstring (served at /api/v1/_openapi where FAB_API_SWAGGER_UI is
    on): it parses and names every parameter."""
    from flask_appbuilder.api.manager import OpenApi

    from app.api.work import InboxApi

    with app.test_request_context("/"):
        spec = OpenApi._create_api_spec("v1")
        next(v for v in app.appbuilder.baseviews if isinstance(v, InboxApi)).add_api_spec(spec)
        get = spec.to_dict()["paths"]["/api/v1/inbox/"]["get"]
    assert {p["name"] for p in get["parameters"]} == {"after", "before", "limit", "offset", "mine"}
    assert {"next", "previous", "result"} == set(get["responses"]["200"]["content"]["application/json"]["schema"]
                                                  ["properties"])
