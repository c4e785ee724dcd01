"""The citizen portal through HTTP: uploads, idempotency, similar reports, privacy,
tracking, catalogue, panic button, rate limits, officers' access to the photos."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.portal import reports
from app.portal.models import PortalMedia, PortalReport
from app.scheduler import run_media_job
from app.views.display import format_dt
from tests.conftest import csrf_token
from tests.integration.portal_helpers import VILLAGE, jpeg_with_gps, mp4_with_location, report_form, spot
from workflows import storage
from workflows.db import AuditEvent, Case, InboxTask
from workflows.errors import ConcurrentUpdate

JSON = {"Accept": "application/json"}


def post_report(client, files: dict | None = None, headers: dict | None = None, **fields):
    data = report_form(csrf_token(client, "/lapor"), **fields)
    data.update(files or {})
    return client.post("/lapor", data=data, headers=headers or {}, content_type="multipart/form-data")


def ticket_of(response) -> tuple[str, str]:
    if response.is_json:
        body = response.get_json()
        return body["tiket"], body["kode"]
    location = response.headers["Location"]
    return re.search(r"tiket=([A-Z0-9-]+)", location).group(1), re.search(r"kode=([A-Z0-9]+)", location).group(1)


def case_of(db_session, ticket: str) -> Case:
    db_session.expire_all()
    return db_session.scalar(select(Case).where(Case.reference == ticket))


def case_count(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Case))


@contextmanager
def statements_sent(app) -> Iterator[list[str]]:  # noqa: ANN001
    """The SQL the app's engine sends inside the block, whitespace folded."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_photo_is_stored_without_exif_and_only_the_chosen_coordinates_are_kept(app, client, db_session):
    lat, lon = spot()
    original = jpeg_with_gps()
    assert b"KameraUji" in original
    response = post_report(client, files={"foto": [(io.BytesIO(original), "IMG_0001.jpg"),
                                                   (io.BytesIO(jpeg_with_gps("blue")), "IMG_0002.jpg")]},
                           lintang=str(lat), bujur=str(lon))
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    ticket, _ = ticket_of(response)
    case = case_of(db_session, ticket)
    where = db_session.get(PortalReport, case.id)
    assert (where.latitude, where.longitude) == (lat, lon)
    assert where.address == "Perempatan Jl. Ahmad Yani, depan toko"
    items = db_session.scalars(select(PortalMedia).where(PortalMedia.case_id == case.id)).all()
    assert [m.kind for m in items] == ["foto", "foto"]
    # Answered before re-encoding: the photos wait, as sent, for the scheduler's job.
    assert all(m.storage_key is None and m.raw_key.startswith("media_raw/") for m in items)
    run_media_job(app)
    db_session.expire_all()
    items = db_session.scalars(select(PortalMedia).where(PortalMedia.case_id == case.id)).all()
    root = Path(app.config["LIGAT_UPLOAD_DIR"])
    for item in items:
        assert item.raw_key is None
        # One file store (workflows/storage.py), area "media", under the upload directory.
        assert item.storage_key.startswith("media/")
        path = storage.path_of(item.storage_key)
        assert path == root / item.storage_key
        stored = path.read_bytes()
        assert item.media_type == "image/jpeg" and item.size == len(stored)
        assert b"KameraUji" not in stored and b"Exif" not in stored
        with Image.open(path) as image:
            assert len(image.getexif()) == 0
            assert (image.width, image.height) == (64, 48)
        assert "IMG_000" not in item.storage_key  # names are never the uploader's
    # Outside the web root: not reachable under /static.
    assert client.get(f"/static/{items[0].storage_key}").status_code == 404
    # The hashes are in the audit chain: the uploads as sent, then each re-encoded file.
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                       AuditEvent.action == "media_attached"))
    sent = {f["sha256"] for f in json.loads(event.data_json)["berkas"]}
    assert len(sent) == 2 and not sent & {m.sha256 for m in items}
    assert sent == {hashlib.sha256(original).hexdigest(), hashlib.sha256(jpeg_with_gps("blue")).hexdigest()}
    cleaned = [json.loads(e.data_json) for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "media_cleaned"))]
    assert {c["sha256"] for c in cleaned} == {m.sha256 for m in items}
    assert {c["sha256_kiriman"] for c in cleaned} == sent


def test_video_location_boxes_are_blanked_and_long_videos_refused(app, client, db_session):
    video = mp4_with_location(seconds=5)
    assert b"\xa9xyz" in video
    response = post_report(client, files={"video": (io.BytesIO(video), "VID.mp4")}, headers=JSON)
    assert response.status_code == 201, response.get_data(as_text=True)
    case = case_of(db_session, response.get_json()["tiket"])
    item = db_session.scalar(select(PortalMedia).where(PortalMedia.case_id == case.id))
    stored = storage.read(item.storage_key)
    assert item.kind == "video" and item.media_type == "video/mp4"
    assert len(stored) == len(video)  # no offset moved
    assert b"\xa9xyz" not in stored and b"+140.7181" not in stored and b"udta" not in stored
    assert b"free" in stored and b"mdat" in stored

    before = case_count(db_session)
    response = post_report(client, files={"video": (io.BytesIO(mp4_with_location(seconds=300)), "long.mp4")},
                           headers=JSON)
    assert response.status_code == 422
    assert "terlalu panjang" in response.get_json()["errors"]["foto"]
    assert case_count(db_session) == before


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"foto": (io.BytesIO(b"<?php echo 'bukan foto'; ?>" * 10), "foto.jpg")}, "bukan foto"),
        ({"foto": [(io.BytesIO(jpeg_with_gps()), f"f{i}.jpg") for i in range(6)]}, "Paling banyak 5 foto"),
        ({"foto": (io.BytesIO(jpeg_with_gps()), "f.jpg"), "video": (io.BytesIO(mp4_with_location()), "v.mp4")},
         "tidak keduanya"),
        ({"video": (io.BytesIO(jpeg_with_gps()), "v.mp4")}, "bukan video"),
        ({"foto": (io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 200), "broken.jpg")}, "rusak"),
    ],
)
def test_uploads_are_checked_by_content(client, db_session, files, message):
    before = case_count(db_session)
    response = post_report(client, files=files)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert case_count(db_session) == before


def test_oversized_upload_gets_a_clear_message(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4000)
    response = post_report(client, files={"foto": (io.BytesIO(b"\xff" * 8000), "big.jpg")})
    assert response.status_code == 413
    assert "Kiriman terlalu besar" in response.get_data(as_text=True)
    response = post_report(client, files={"foto": (io.BytesIO(b"\xff" * 8000), "big.jpg")}, headers=JSON)
    assert response.status_code == 413 and "terlalu besar" in response.get_json()["errors"]["foto"]


def test_photo_size_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_PHOTO_MAX_BYTES", 500)
    response = post_report(client, files={"foto": (io.BytesIO(jpeg_with_gps(size=(400, 300))), "f.jpg")})
    assert response.status_code == 422 and "Foto terlalu besar" in response.get_data(as_text=True)


def test_same_client_id_twice_is_one_ticket(client, db_session):
    key = secrets.token_urlsafe(16)
    first = post_report(client, client_id=key, headers=JSON, files={"foto": (io.BytesIO(jpeg_with_gps()), "a.jpg")})
    assert first.status_code == 201 and first.get_json()["baru"] is True
    before = case_count(db_session)
    again = post_report(client, client_id=key, headers=JSON, files={"foto": (io.BytesIO(jpeg_with_gps()), "a.jpg")})
    assert again.status_code == 200 and again.get_json()["baru"] is False
    assert ticket_of(again) == ticket_of(first)
    # The HTML path answers the same ticket too.
    html = post_report(client, client_id=key)
    assert html.status_code == 302 and ticket_of(html) == ticket_of(first)
    assert case_count(db_session) == before
    case = case_of(db_session, ticket_of(first)[0])
    assert db_session.get(PortalReport, case.id).client_key == key
    assert len(db_session.scalars(select(PortalMedia).where(PortalMedia.case_id == case.id)).all()) == 1


def test_a_report_sent_again_starts_no_case(app, client, db_session):
    """The key is found by the statement that reads the newest complaint definition, before any case
    starts: the second post of a key writes nothing (no case inserted and rolled back) and reads only
    the first case, and its ticket is the first one, form errors or not."""

    key = secrets.token_urlsafe(16)
    token = csrf_token(client, "/lapor")
    first = client.post("/lapor", data=report_form(token, client_id=key), headers=JSON)
    assert first.status_code == 201
    with statements_sent(app) as statements:
        again = client.post("/lapor", data=report_form(token, client_id=key), headers=JSON)
        refused_now = client.post("/lapor", data=report_form(token, client_id=key, deskripsi="pendek"), headers=JSON)
    assert again.status_code == 200 and again.get_json()["baru"] is False
    assert refused_now.status_code == 200 and ticket_of(refused_now) == ticket_of(again) == ticket_of(first)
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(statements) == 4  # per post: the definition with the key's case id, then that case


def test_two_posts_of_one_key_at_once_are_one_ticket(app, db_session):
    """Both posts of a key sent at once find no first case (neither is committed yet): the unique index
    refuses the second at commit, its case rolls back and it answers the first ticket."""
    key = secrets.token_urlsafe(16)
    fields = {"kategori": "pengemis", "deskripsi": "Pengemis di depan pasar setiap pagi.",
              "lokasi": "Pasar Hamadi", "kode_wilayah": VILLAGE, "client_id": key}
    with app.test_request_context():
        from app.portal import views

        assert views.first_report(key) is None  # the second post's look-up, made before the first commits
        first, created = views.submit_report(dict(fields))
        assert created
        cases_before = case_count(db_session)
        again, created = views.submit_report(dict(fields))
    assert not created and again.id == first.id and case_count(db_session) == cases_before


def test_a_duplicate_key_rolls_the_whole_case_back(app, db_session):
    """The race the pre-check cannot see: the unique key refuses the second insert at commit,
    and the case, its audit events and its inbox task go with it."""
    key = secrets.token_urlsafe(16)
    fields = {"kategori": "pengemis", "deskripsi": "Pengemis di depan pasar setiap pagi.",
              "lokasi": "Pasar Hamadi", "kode_wilayah": VILLAGE, "client_id": key}
    report = reports.NewReport(fields=dict(fields), client_key=key)
    with app.app_context():
        first, created = reports.create_report(db_session, report)
    assert created
    cases_before = case_count(db_session)
    events_before = db_session.scalar(select(func.count()).select_from(AuditEvent))
    tasks_before = db_session.scalar(select(func.count()).select_from(InboxTask))
    with pytest.raises(ConcurrentUpdate):
        reports._start(db_session, reports.NewReport(fields=dict(fields), client_key=key))
    db_session.expire_all()
    assert case_count(db_session) == cases_before
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    assert db_session.scalar(select(func.count()).select_from(InboxTask)) == tasks_before
    again, created = reports.create_report(db_session, reports.NewReport(fields=dict(fields), client_key=key))
    assert not created and again.id == first.id

    # A refused report leaves none of its photos on disk (the store removes them on rollback).
    from app.portal import media

    photo = media.clean_photo(jpeg_with_gps("red"), media.Limits())
    media_dir = Path(app.config["LIGAT_UPLOAD_DIR"]) / media.AREA
    files_before = sorted(media_dir.rglob("*")) if media_dir.exists() else []
    with pytest.raises(ConcurrentUpdate):
        reports._start(db_session, reports.NewReport(fields=dict(fields), client_key=key, media=[photo]))
    assert (sorted(media_dir.rglob("*")) if media_dir.exists() else []) == files_before


def test_json_answers_for_the_offline_queue(client, db_session):
    response = post_report(client, headers=JSON, deskripsi="pendek", kode_wilayah="32.01.01.1001",
                           lintang="-2.5", telepon="12")
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "Minimal 10 karakter" in errors["deskripsi"]
    assert "wilayah layanan" in errors["kode_wilayah"]
    assert "lintang dan bujur" in errors["lintang"]
    assert "Nomor HP tidak valid" in errors["telepon"]
    token = client.get("/lapor/token")
    assert token.status_code == 200 and token.headers["Cache-Control"] == "no-store"
    assert token.get_json()["csrf_token"]
    assert client.post("/lapor", data={"kategori": "pengemis"}, headers=JSON).status_code == 400  # CSRF still applies


def test_a_new_report_reads_its_package_once_and_not_its_case_back(app, client, caplog):
    """The package is looked up once per request, with the definition the case starts on (the case start
    reads neither again), the client key is not looked up before a new report (its unique index decides),
    and the ticket and code answered are the ones written, not read back after the commit; no engine log
    line per step."""

    token = csrf_token(client, "/lapor")
    caplog.set_level(logging.INFO)
    with statements_sent(app) as statements:
        response = client.post("/lapor", data=report_form(token, client_id=secrets.token_hex(8)), headers=JSON)
    assert response.status_code == 201
    body = response.get_json()
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 1  # the newest complaint definition and its package, and the key's first case, together
    assert "FROM process_definition" in selects[0] and "JOIN service_package" in selects[0]
    assert "FROM portal_report WHERE portal_report.client_key" in selects[0]
    assert not [s for s in selects if 'FROM "case"' in s or "FROM case " in s]
    assert not [r for r in caplog.records if r.name.startswith("spiff") and r.levelno < logging.WARNING]
    assert body["tiket"] in body["url"] and body["kode"] in body["url"]


def test_a_new_reports_read_takes_the_definitions_ids_and_deploy_moments_only(app, client):
    """The report's one SELECT reads the newest definition's id and deploy moment and its package's (the engine's own
    start reads the same): a deployed row never changes, and the process holds its other columns (deployed_rows).
    The case still starts on that definition, with its package's SLA."""

    from app.extensions import db
    from workflows.db import ProcessDefinition

    token = csrf_token(client, "/lapor")
    # A first report: the process reads a definition's spec and diagram once (deferred columns), not per report.
    warm = client.post("/lapor", data=report_form(token, client_id=secrets.token_hex(8)), headers=JSON)
    assert warm.status_code == 201
    key = secrets.token_hex(8)
    with statements_sent(app) as statements:
        response = client.post("/lapor", data=report_form(token, client_id=key), headers=JSON)
    assert response.status_code == 201
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 1
    columns = selects[0].split(" FROM process_definition")[0]
    assert "process_definition.id" in columns and "process_definition.deployed_at" in columns
    assert "service_package.deployed_at" in columns
    assert "meta_json" not in columns and "content_hash" not in columns and "service_package.code" not in columns
    with app.app_context():
        case = db.session.get(Case, db.session.scalar(select(PortalReport.case_id)
                                                      .where(PortalReport.client_key == key)))
        newest = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_id == "pengaduan")
                                    .order_by(ProcessDefinition.version.desc())).first()
        assert case.process_definition_id == newest.id and case.sla_due_at is not None


def test_the_version_held_for_a_report_lasts_one_transaction(db_session):
    """hold_latest reads the newest complaint definition with its package once; the case start's lookup
    in the same transaction costs no query, and after a commit (a deploy may have come) it reads again."""
    from sqlalchemy import event

    from workflows.deployment import hold_latest, latest_with_package

    statements: list[str] = []
    bind = db_session.get_bind()
    seen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", seen)
    try:
        definition, package = hold_latest(db_session, reports.PROCESS_ID)
        assert definition.process_id == reports.PROCESS_ID and definition.package_id == package.id
        assert len(statements) == 1
        assert latest_with_package(db_session, reports.PROCESS_ID) == (definition, package)
        assert latest_with_package(db_session, "pbi_jkn")[0].process_id == "pbi_jkn"  # another process: read
        assert len(statements) == 2
        db_session.commit()
        assert latest_with_package(db_session, reports.PROCESS_ID)[0].id == definition.id
        assert len(statements) == 3
    finally:
        event.remove(bind, "before_cursor_execute", seen)


def test_a_new_report_writes_its_case_once(app, client):
    """On PostgreSQL the new case's id is drawn by the report's one statement (the definition, its package and
    the key's first case), so its case is written by one INSERT with its final reference and never updated by
    its start; SQLite inserts for the id and updates the case after, as before. A resend answers the first
    ticket and writes nothing."""

    from app.extensions import db

    token = csrf_token(client, "/lapor")
    with app.app_context():
        engine = db.engine
    postgresql = engine.dialect.name == "postgresql"
    key = secrets.token_urlsafe(16)
    with statements_sent(app) as sent:
        first = client.post("/lapor", data=report_form(token, client_id=key), headers=JSON)
    statements = [s.upper() for s in sent]
    assert first.status_code == 201
    inserts = [s for s in statements if s.startswith('INSERT INTO "CASE"')]
    updates = [s for s in statements if s.startswith('UPDATE "CASE"')]
    assert len(inserts) == 1, statements
    assert (not updates) if postgresql else updates, updates  # SQLite: the id from the INSERT, then the updates
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 1 and ("NEXTVAL(PG_GET_SERIAL_SEQUENCE" in selects[0]) == postgresql, selects
    with app.app_context():
        case_id = db.session.scalar(select(PortalReport.case_id).where(PortalReport.client_key == key))
        case = db.session.get(Case, case_id)
        # The reference is made from the id the case was written with (no placeholder left behind).
        assert ticket_of(first)[0] == case.reference and case.reference.endswith(f"{case.id:06d}")
    again = client.post("/lapor", data=report_form(token, client_id=key), headers=JSON)
    assert again.status_code == 200 and ticket_of(again) == ticket_of(first)


def test_a_drawn_case_id_is_handed_to_one_start_only(db_session):
    """The id a report's statement drew is held with its definition for the first case started in the
    transaction; a second start in that transaction must not take it again (it gets its own)."""
    from workflows import cases
    from workflows.deployment import hold, latest_for_new_case

    drawn = 10_000_000 + secrets.randbelow(1_000_000)
    db_session.execute(select(1))  # a transaction to hold it in; no definition needed: only the id is under test
    hold(db_session, reports.PROCESS_ID, (None, None), drawn)
    assert latest_for_new_case(db_session, reports.PROCESS_ID)[2] == drawn
    assert latest_for_new_case(db_session, reports.PROCESS_ID)[2] is None
    db_session.rollback()
    # Through the case start: two cases in one transaction after a report's statement have two ids.
    reports.package_for_new_report(db_session, secrets.token_urlsafe(16))
    report = {"kategori": "pengemis", "deskripsi": "Pengemis di depan pasar setiap pagi.", "lokasi": "Pasar",
              "kode_wilayah": VILLAGE}
    one = cases.begin_case(db_session, reports.PROCESS_ID, report, "warga", region_code=VILLAGE)
    two = cases.begin_case(db_session, reports.PROCESS_ID, report, "warga", region_code=VILLAGE)
    db_session.flush()
    assert one.id != two.id and one.reference != two.reference
    db_session.rollback()


def test_similar_reports_nearby(client, db_session):
    lat, lon = spot()
    near = ticket_of(post_report(client, headers=JSON, kategori="gelandangan", lintang=str(lat), bujur=str(lon)))[0]
    # ~100 m north: inside; ~1 km: outside; other category; confidential; older than a week; finished.
    close = ticket_of(post_report(client, headers=JSON, kategori="gelandangan", lintang=str(round(lat + 0.0009, 6)),
                                  bujur=str(lon)))[0]
    far = ticket_of(post_report(client, headers=JSON, kategori="gelandangan", lintang=str(round(lat + 0.009, 6)),
                                bujur=str(lon)))[0]
    other = ticket_of(post_report(client, headers=JSON, kategori="pengemis", lintang=str(lat), bujur=str(lon)))[0]
    secret = ticket_of(post_report(client, headers=JSON, kategori="gelandangan", lintang=str(lat), bujur=str(lon),
                                   rahasia="true"))[0]
    old = ticket_of(post_report(client, headers=JSON, kategori="gelandangan", lintang=str(lat), bujur=str(lon)))[0]
    done = ticket_of(post_report(client, headers=JSON, kategori="gelandangan", lintang=str(lat), bujur=str(lon)))[0]
    old_case, done_case = case_of(db_session, old), case_of(db_session, done)
    old_case.created_at -= timedelta(days=8)
    done_case.completed = True
    db_session.commit()

    body = client.get(f"/lapor/serupa.json?kategori=gelandangan&lintang={lat}&bujur={lon}").get_json()
    found = [item["tiket"] for item in body["laporan"]]
    assert found[0] == near and close in found
    for absent in (far, other, secret, old, done):
        assert absent not in found
    item = body["laporan"][1]
    assert 80 <= item["jarak_m"] <= 120 and item["url"] == f"/laporan/{close}"
    # The public reads what the office reviewed, never the citizen's own words.
    assert item["uraian"] == "Laporan gelandangan di Gurabesi" and "mengemis" not in json.dumps(body)
    assert client.get("/lapor/serupa.json?kategori=gelandangan").status_code == 400
    assert client.get(f"/lapor/serupa.json?kategori=xx&lintang={lat}&bujur={lon}").status_code == 400


def test_confidential_and_sensitive_reports_stay_off_public_pages(client, db_session):
    public = ticket_of(post_report(client, headers=JSON, nama="Martha Wenda", telepon="0812 1111 2222"))[0]
    page = client.get(f"/laporan/{public}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Martha" not in html and "1111" not in html
    assert "mengemis" not in html and "Ahmad Yani" not in html and "Laporan pengemis di Gurabesi" in html
    secret, code = ticket_of(post_report(client, headers=JSON, rahasia="true"))
    sensitive, sensitive_code = ticket_of(post_report(client, headers=JSON, kategori="korban_kekerasan"))
    for ticket in (secret, sensitive):
        assert case_of(db_session, ticket).confidential
        assert client.get(f"/laporan/{ticket}").status_code == 404
    # Their reporters still track them with the code.
    assert client.get(f"/lacak?tiket={secret}&kode={code}").status_code == 200
    assert client.get(f"/lacak?tiket={sensitive}&kode={sensitive_code}").status_code == 200


def test_every_child_category_is_confidential(client, db_session):
    from app.portal import catalogue

    child = [c["kode"] for c in catalogue.categories() if c["kode"].startswith("anak_")]
    assert len(child) >= 7 and all(catalogue.is_sensitive(code) for code in child)
    ticket, _ = ticket_of(post_report(client, headers=JSON, kategori="anak_jalanan"))
    assert case_of(db_session, ticket).confidential and client.get(f"/laporan/{ticket}").status_code == 404


def test_the_public_reads_only_the_summary_an_officer_wrote(app, client, db_session, login_as):
    lat, lon = spot()
    ticket = ticket_of(post_report(client, headers=JSON, lintang=str(lat), bujur=str(lon),
                                   deskripsi="Pak Yunus Wenda mengemis di depan rumah no. 7 setiap pagi."))[0]
    case = case_of(db_session, ticket)
    page = client.get(f"/laporan/{ticket}").get_data(as_text=True)
    assert "Yunus" not in page and "Laporan pengemis di Gurabesi" in page
    assert f"{round(lat, 3)}, {round(lon, 3)}" in page and f"{lat:.6f}" not in page

    operator = login_as("operator")
    case_page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert 'id="public-summary"' in case_page and 'name="ringkasan_publik"' in case_page
    token = csrf_token(operator, f"/kasus/{case.id}")
    summary = "Warga lanjut usia mengemis di sekitar pasar; petugas sudah menjangkau."
    response = operator.post(f"/ringkasan-publik/{case.id}", data={"csrf_token": token, "ringkasan_publik": summary})
    assert response.status_code == 302
    page = client.get(f"/laporan/{ticket}").get_data(as_text=True)
    assert summary in page and "Yunus" not in page
    row = client.get(f"/open311/v2/requests/{ticket}.json").get_json()[0]
    assert row["description"] == summary and row["address"] == "Gurabesi"
    db_session.expire_all()
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                               .order_by(AuditEvent.seq.desc())).first()
    assert event.action == "public_summary_set" and event.actor == "operator"

    too_long = operator.post(f"/ringkasan-publik/{case.id}", data={"csrf_token": token, "ringkasan_publik": "x" * 501},
                             follow_redirects=True).get_data(as_text=True)
    assert "paling banyak 500" in too_long and "at most 500" in too_long
    assert operator.post(f"/ringkasan-publik/{case.id}", data={"ringkasan_publik": "tanpa token"}).status_code == 400
    # Only the office's reviewers write it; a field officer may read the case but not write the public text.
    field = login_as("lapangan.rehsos")
    refused = field.post(f"/ringkasan-publik/{case.id}",
                         data={"csrf_token": csrf_token(field, "/inbox/"), "ringkasan_publik": "x"})
    assert refused.status_code in (403, 404)
    # Emptying it takes the public back to the neutral sentence.
    operator.post(f"/ringkasan-publik/{case.id}", data={"csrf_token": token, "ringkasan_publik": "  "})
    assert "Laporan pengemis di Gurabesi" in client.get(f"/laporan/{ticket}").get_data(as_text=True)
    # A confidential report has no public page: no public text is written for it, by form or by hand.
    secret = case_of(db_session, ticket_of(post_report(client, headers=JSON, rahasia="true"))[0])
    assert 'name="ringkasan_publik"' not in operator.get(f"/kasus/{secret.id}").get_data(as_text=True)
    assert operator.post(f"/ringkasan-publik/{secret.id}",
                         data={"csrf_token": token, "ringkasan_publik": "x"}).status_code == 403


def test_tracking_shows_stages_expected_time_and_no_personal_data(client, db_session):
    ticket, code = ticket_of(post_report(client, headers=JSON, nama="Yosina Kogoya", telepon="0813 4444 5555"))
    case = case_of(db_session, ticket)
    html = client.get(f"/lacak?tiket={ticket}&kode={code}").get_data(as_text=True)
    assert re.search(r'id="status">Verifikasi<', html)
    # The complaint line's own stages (bpmn/pengaduan/service.json → tracking), with where the case stands.
    stages = re.findall(r'<li class="(\w+)" data-state="\w+">(?:<strong>)?([^<]+)', html)
    assert stages == [("done", "Diterima"), ("current", "Verifikasi"), ("pending", "Tindak Lanjut Lapangan"),
                      ("pending", "Selesai")]
    # The complaint line's service level (catalogue sla: PT96H) is later than the 24 h verification due time.
    assert case.sla_due_at is not None and abs(case.sla_due_at - (case.created_at + timedelta(hours=96))).seconds < 5
    assert f'id="expected">{format_dt(case.sla_due_at)}<' in html
    assert "Yosina" not in html and "4444" not in html and "Pengemis" in html
    assert client.get(f"/lacak?tiket={ticket}&kode={code[::-1]}").status_code == 404
    assert client.get(f"/lacak?tiket={ticket}&kode=KÖDE✓").status_code == 404
    receipt = client.get(f"/lapor/terkirim?tiket={ticket}&kode={code}").get_data(as_text=True)
    assert ticket in receipt and code in receipt


def test_home_counts_panic_button_and_manifest(app, client, monkeypatch):
    before = client.get("/statistik.json").get_json()
    post_report(client, headers=JSON)
    after = client.get("/statistik.json").get_json()
    assert after["diproses"] == before["diproses"] + 1 and after["selesai"] == before["selesai"]
    html = client.get("/").get_data(as_text=True)
    assert f'id="count-diproses">{after["diproses"]}<' in html
    assert 'href="tel:171"' in html and "Lapor Sekarang" in html and "wa.me" not in html
    monkeypatch.setitem(app.config, "LIGAT_CALL_CENTER", "0967 123 456")
    monkeypatch.setitem(app.config, "LIGAT_WHATSAPP_NUMBER", "+62 811 4800 171")
    html = client.get("/").get_data(as_text=True)
    assert 'href="tel:0967123456"' in html
    assert re.search(r'href="https://wa\.me/628114800171\?text=DARURAT', html)
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json(force=True)
    assert body["display"] == "standalone" and {i["sizes"] for i in body["icons"]} >= {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/sw.js")
    assert sw.mimetype == "text/javascript" and "__VERSION__" not in sw.get_data(as_text=True)
    assert "ligat-portal-" in sw.get_data(as_text=True)


SERVICE_LINES = ["pengaduan", "pbi_jkn", "pbi_apbd", "usulan_dtks", "izin_operasional_lks", "tanda_daftar_lks",
                 "izin_sumbangan", "cota", "layanan_disabilitas", "layanan_anak", "layanan_lansia", "rujukan_pasien",
                 "gepeng_odha", "bantuan_bencana", "layanan_pkh", "pemulangan_orang_terlantar", "beasiswa_dtks",
                 "beasiswa_non_dtks", "izin_ziarah"]


def test_service_catalogue_has_a_page_per_line(client):
    index = client.get("/layanan").get_data(as_text=True)
    for code in SERVICE_LINES:
        assert f'href="/layanan/{code}"' in index
        page = client.get(f"/layanan/{code}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Persyaratan" in html and html.count("<li>") >= 2
        assert re.search(r'id="tempat">[^<]{10,}<', html) and re.search(r'id="waktu">[^<]{3,}<', html)
    assert client.get("/layanan/tidak_ada").status_code == 404


def test_rate_limit_on_report_posts(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_RATELIMIT_REPORT", "3 per minute")
    flood = app.test_client()
    flood.environ_base["REMOTE_ADDR"] = "10.77.0.1"
    token = csrf_token(flood, "/lapor")
    for _ in range(3):
        assert flood.post("/lapor", data={"csrf_token": token, "kategori": "x"}).status_code == 422
    refused = flood.post("/lapor", data={"csrf_token": token, "kategori": "x"})
    assert refused.status_code == 429
    assert "Terlalu banyak permintaan" in refused.get_data(as_text=True)
    assert refused.headers.get("Retry-After")
    as_json = flood.post("/lapor", data={"csrf_token": token}, headers=JSON)
    assert as_json.status_code == 429 and "Terlalu banyak" in as_json.get_json()["error"]
    # Another address is not affected.
    assert post_report(client, headers=JSON).status_code == 201


def test_global_cap_counts_only_new_reports(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LIGAT_RATELIMIT_REPORT_GLOBAL", "2 per hour")
    key = secrets.token_urlsafe(16)
    assert post_report(client, headers=JSON, client_id=key).status_code == 201
    for _ in range(3):  # a phone re-sending its queue does not use the allowance up
        assert post_report(client, headers=JSON, client_id=key).status_code == 200
    assert post_report(client, headers=JSON).status_code == 201
    assert post_report(client, headers=JSON).status_code == 429


def test_officers_see_media_only_for_cases_they_may_see(client, login_as, db_session):
    lat, lon = spot()
    ticket = ticket_of(post_report(client, headers=JSON, lintang=str(lat), bujur=str(lon),
                                   files={"foto": (io.BytesIO(jpeg_with_gps()), "a.jpg")}))[0]
    case = case_of(db_session, ticket)
    item = db_session.scalar(select(PortalMedia).where(PortalMedia.case_id == case.id))
    url = f"/lampiran-laporan/{item.id}"
    operator = login_as("operator")
    response = operator.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data[:3] == b"\xff\xd8\xff"
    page = operator.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert url in page and f"{lat:.6f}, {lon:.6f}" in page
    # The complaint package gives kelurahan officers no lane: they see no report, in their village or not.
    assert login_as("kelurahan.gurabesi").get(url).status_code == 404
    assert login_as("kelurahan.abepura").get(url).status_code == 404
    # Field officers are bidang-scoped: none sees a report before it is dispatched to their bidang.
    assert login_as("lapangan.rehsos").get(url).status_code == 404
    assert login_as("tim.pipa").get(url).status_code == 404  # an adoption-review role: another line's
    assert login_as("auditor").get(url).status_code == 200
    anonymous = client.get(url)
    assert anonymous.status_code in (302, 401, 403) and anonymous.data[:3] != b"\xff\xd8\xff"
    assert operator.get("/lampiran-laporan/999999").status_code == 404


def test_files_left_by_a_crash_are_removed_by_the_scheduler_job(app, client, db_session):
    """A process killed between writing a photo and committing its row leaves a file no row names."""
    import os
    import time

    from app.scheduler import run_orphan_cleanup_job

    ticket = ticket_of(post_report(client, headers=JSON, files={"foto": (io.BytesIO(jpeg_with_gps()), "a.jpg")}))[0]
    kept = db_session.scalars(select(PortalMedia).where(PortalMedia.case_id == case_of(db_session, ticket).id)).one()
    kept_path = storage.path_of(kept.raw_key)  # the photo as sent, named by its row until re-encoded
    orphan = storage.path_of(storage.store(None, "media", b"half a report", "jpg"))  # no session: no rollback hook
    raw_orphan = storage.path_of(storage.store(None, "media_raw", b"half a report", "jpg"))
    fresh = storage.path_of(storage.store(None, "media", b"a step still running", "jpg"))
    document = storage.path_of(storage.store(None, "documents", b"%PDF orphan", "pdf"))
    hour_ago = time.time() - 2 * 3600
    for path in (kept_path, orphan, raw_orphan, document):
        os.utime(path, (hour_ago, hour_ago))
    assert run_orphan_cleanup_job(app) >= 3
    assert kept_path.exists() and fresh.exists()
    assert not orphan.exists() and not raw_orphan.exists() and not document.exists()
    fresh.unlink()


def test_coordinate_errors_are_said_once_and_villages_say_which_kind(client):
    response = post_report(client, lintang="abc", bujur="xyz")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.count("Koordinat di luar wilayah Indonesia") == 1
    form = client.get("/lapor").get_data(as_text=True)
    assert "Waena (kelurahan), Heram" in form and "Waena (kampung), Heram" in form
    assert form.count(">Waena, Heram<") == 0


@pytest.mark.parametrize("base", ["http://localhost/", "http://localhost/ligat/"])
def test_a_tickets_addresses_read_as_url_for_writes_them(app, base):
    from flask import url_for

    from app.portal.views import ticket_urls

    for reference, code in [("PGD-2026-000123", "ABCDEFGH"), ("a b&c=d", "ü/?#+%")]:
        with app.test_request_context("/lapor", base_url=base, method="POST"):
            assert ticket_urls(reference, code) == (url_for("portal.receipt", tiket=reference, kode=code),
                                                    url_for("portal.track", tiket=reference, kode=code))


def test_a_new_reports_answer_names_its_receipt_and_tracking_page(client):
    body = post_report(client, headers=JSON).get_json()
    query = f"tiket={body['tiket']}&kode={body['kode']}"
    assert body["url"] == f"/lapor/terkirim?{query}" and body["lacak"] == f"/lacak?{query}"
