"""The citizens' verdict: the public-service satisfaction survey (Survei Kepuasan Masyarakat, the
nine elements of Permenpan RB 14/2017, each answered on a scale of 1 to 4) and its index (IKM).

When a case closes, the engine step that closes it makes its invitation (workflows/cases.py); its
citizen is invited once: a notification with a link to the survey when the case has a contact number
(the scheduler's `invite_closed_cases`), and the tracking page for everyone (anonymous reporters
included), which only reads the invitation. A link carries a random token, never the ticket. One
answer per case.

The index, as the regulation computes it: the mean of each element over the answers (NRR), the
nine weighted equally (1/9), the weighted sum times 25 gives a figure from 25 to 100, graded
A (88.31–100, sangat baik), B (76.61–88.30, baik), C (65.00–76.60, kurang baik), D (25.00–64.99,
tidak baik).
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Insert, Integer, String, Text, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import compiled_writes, notifications
from .db import Base, Case, utcnow
from .errors import LigatError, NotFound
from .packages import package_of_case
from .row_writes import write_new

# (code, element, the question, the four answers from 1 to 4): Indonesian, then English.
ELEMENTS: tuple[tuple[str, dict[str, str], dict[str, str], tuple[dict[str, str], ...]], ...] = (
    ("u1", {"id": "Persyaratan", "en": "Requirements"},
     {"id": "Bagaimana kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
      "en": "How well do the requirements fit the service?"},
     ({"id": "Tidak sesuai", "en": "Not fitting"}, {"id": "Kurang sesuai", "en": "Barely fitting"},
      {"id": "Sesuai", "en": "Fitting"}, {"id": "Sangat sesuai", "en": "Very fitting"})),
    ("u2", {"id": "Prosedur", "en": "Procedure"},
     {"id": "Bagaimana kemudahan prosedur pelayanan?", "en": "How easy was the procedure?"},
     ({"id": "Tidak mudah", "en": "Not easy"}, {"id": "Kurang mudah", "en": "Rather hard"},
      {"id": "Mudah", "en": "Easy"}, {"id": "Sangat mudah", "en": "Very easy"})),
    ("u3", {"id": "Waktu pelayanan", "en": "Service time"},
     {"id": "Bagaimana kecepatan waktu pelayanan?", "en": "How fast was the service?"},
     ({"id": "Tidak cepat", "en": "Not fast"}, {"id": "Kurang cepat", "en": "Rather slow"},
      {"id": "Cepat", "en": "Fast"}, {"id": "Sangat cepat", "en": "Very fast"})),
    ("u4", {"id": "Biaya/tarif", "en": "Cost"},
     {"id": "Bagaimana kewajaran biaya pelayanan? (Layanan Dinas Sosial tidak dipungut biaya.)",
      "en": "How fair was the cost? (Social Affairs Office services are free of charge.)"},
     ({"id": "Sangat mahal", "en": "Very expensive"}, {"id": "Cukup mahal", "en": "Rather expensive"},
      {"id": "Murah", "en": "Cheap"}, {"id": "Gratis", "en": "Free"})),
    ("u5", {"id": "Produk layanan", "en": "Service product"},
     {"id": "Bagaimana kesesuaian hasil pelayanan dengan yang dijanjikan?",
      "en": "How well did the result match what was promised?"},
     ({"id": "Tidak sesuai", "en": "Not matching"}, {"id": "Kurang sesuai", "en": "Barely matching"},
      {"id": "Sesuai", "en": "Matching"}, {"id": "Sangat sesuai", "en": "Fully matching"})),
    ("u6", {"id": "Kompetensi pelaksana", "en": "Staff competence"},
     {"id": "Bagaimana kemampuan petugas dalam memberikan pelayanan?", "en": "How capable were the officers?"},
     ({"id": "Tidak kompeten", "en": "Not competent"}, {"id": "Kurang kompeten", "en": "Barely competent"},
      {"id": "Kompeten", "en": "Competent"}, {"id": "Sangat kompeten", "en": "Very competent"})),
    ("u7", {"id": "Perilaku pelaksana", "en": "Staff conduct"},
     {"id": "Bagaimana kesopanan dan keramahan petugas?", "en": "How polite and friendly were the officers?"},
     ({"id": "Tidak sopan dan ramah", "en": "Not polite"}, {"id": "Kurang sopan dan ramah", "en": "Rather impolite"},
      {"id": "Sopan dan ramah", "en": "Polite"}, {"id": "Sangat sopan dan ramah", "en": "Very polite"})),
    ("u8", {"id": "Penanganan pengaduan", "en": "Complaint handling"},
     {"id": "Bagaimana penanganan pengaduan, saran dan masukan?",
      "en": "How were complaints, suggestions and feedback handled?"},
     ({"id": "Tidak ada", "en": "None"}, {"id": "Ada tetapi tidak berfungsi", "en": "There, but not working"},
      {"id": "Berfungsi kurang maksimal", "en": "Working, not fully"},
      {"id": "Dikelola dengan baik", "en": "Well run"})),
    ("u9", {"id": "Sarana dan prasarana", "en": "Facilities"},
     {"id": "Bagaimana kualitas sarana dan prasarana (termasuk layanan daring ini)?",
      "en": "How good were the facilities (this online service included)?"},
     ({"id": "Buruk", "en": "Poor"}, {"id": "Cukup", "en": "Fair"},
      {"id": "Baik", "en": "Good"}, {"id": "Sangat baik", "en": "Very good"})),
)
CODES = tuple(code for code, *_ in ELEMENTS)
SUGGESTION_MAX = 1000


class SurveyInvitation(Base):
    """One invitation per closed case; its token opens the survey page."""

    __tablename__ = "survey_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)


class SurveyResponse(Base):
    """A citizen's answers for one case (1–4 per element) and an optional suggestion."""

    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    line: Mapped[str] = mapped_column(String(60), index=True)  # the case's service package code
    u1: Mapped[int] = mapped_column(Integer)
    u2: Mapped[int] = mapped_column(Integer)
    u3: Mapped[int] = mapped_column(Integer)
    u4: Mapped[int] = mapped_column(Integer)
    u5: Mapped[int] = mapped_column(Integer)
    u6: Mapped[int] = mapped_column(Integer)
    u7: Mapped[int] = mapped_column(Integer)
    u8: Mapped[int] = mapped_column(Integer)
    u9: Mapped[int] = mapped_column(Integer)
    suggestion: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class SurveyRefused(LigatError):
    """The answers cannot be taken; the message says why (Indonesian, then English)."""


ALREADY_ANSWERED = ("Survei untuk layanan ini sudah diisi. Terima kasih. "
                    "(The survey for this service was already answered. Thank you.)")


def invitation_for(session: Session, case: Case) -> SurveyInvitation:
    """The case's invitation, made on first need: when the engine step closes the case (the caller commits)."""
    found = invitation_of(session, case.id)
    if found is None:
        found = SurveyInvitation(case_id=case.id, token=secrets.token_urlsafe(32))
        session.add(found)
        session.flush()
    return found


def invite_on_close(session: Session, case_id: int) -> None:
    """The invitation of a case the engine step is closing: one INSERT that keeps an invitation already made
    (a reopened case closing again), on the step's connection. Nothing is read or flushed, so the step's
    case row goes out once, at commit, with the rest."""
    write_new(session)  # a case made in this same step is written first: the invitation references it
    conn = session.connection()
    compiled_writes.execute(conn, _invite_once(conn.dialect.name),
                            {"case_id": case_id, "token": secrets.token_urlsafe(32), "created_at": utcnow()})


@functools.cache
def _invite_once(dialect: str) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(SurveyInvitation).on_conflict_do_nothing()


def invitation_of(session: Session, case_id: int) -> SurveyInvitation | None:
    """The case's invitation, made when the case closed (None for a case still open)."""
    return session.scalar(select(SurveyInvitation).where(SurveyInvitation.case_id == case_id))


def find_invitation(session: Session, token: str) -> tuple[SurveyInvitation, Case]:
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.token == (token or "")[:43]))
    case = session.get(Case, invitation.case_id) if invitation else None
    if invitation is None or case is None:
        raise NotFound("Tautan survei tidak dikenal. (Unknown survey link.)")
    return invitation, case


def answered(session: Session, case_id: int) -> bool:
    return session.scalar(select(SurveyResponse.id).where(SurveyResponse.case_id == case_id)) is not None


def record_response(session: Session, token: str, answers: dict[str, object], suggestion: str | None) -> SurveyResponse:
    """Store the answers of the case behind `token`; each element must be 1–4. Commits."""
    invitation, case = find_invitation(session, token)
    if not case.completed:
        raise SurveyRefused("Survei dibuka setelah layanan selesai. (The survey opens once the service is done.)")
    if answered(session, case.id):
        raise SurveyRefused(ALREADY_ANSWERED)
    values: dict[str, int] = {}
    missing = []
    for code in CODES:
        raw = answers.get(code)
        try:
            value = int(str(raw))
        except ValueError:
            value = 0
        if not 1 <= value <= 4:
            missing.append(code.upper())
        values[code] = value
    if missing:
        raise SurveyRefused(f"Pilih satu jawaban (1–4) untuk setiap unsur: {', '.join(missing)}. "
                            f"(Choose one answer, 1–4, for every element: {', '.join(missing)}.)")
    text = " ".join((suggestion or "").split())[:SUGGESTION_MAX] or None
    response = SurveyResponse(case_id=case.id, line=package_of_case(session, case).code, suggestion=text, **values)
    session.add(response)
    try:
        session.commit()
    except IntegrityError as exc:  # the same survey sent twice at once: the other answer was stored first
        session.rollback()
        raise SurveyRefused(ALREADY_ANSWERED) from exc
    return response


def invite_closed_cases(session: Session, base_url: str, channel: str, limit: int = 200,
                        window: timedelta = timedelta(days=7)) -> int:
    """Invite the citizens of recently closed cases that have a contact number, once each. Commits."""
    invited = select(SurveyInvitation.case_id).where(SurveyInvitation.notified_at.is_not(None))
    rows = session.scalars(
        select(Case).where(Case.completed.is_(True), Case.closed_at >= utcnow() - window,
                           Case.anonymous.is_(False), Case.reporter_phone.is_not(None),
                           Case.id.not_in(invited))
        .order_by(Case.id).limit(limit)
    ).all()
    for case in rows:
        invitation = invitation_for(session, case)
        notifications.queue(
            session, case.id, case.reporter_phone,
            f"LIGAT: layanan {case.reference} telah selesai. Bantu kami menjadi lebih baik, isi survei singkat "
            f"(9 pertanyaan): {base_url.rstrip('/')}/survei/{invitation.token}", channel)
        invitation.notified_at = utcnow()
    session.commit()
    return len(rows)


@dataclass(frozen=True)
class Index:
    """The satisfaction index of a set of answers."""

    responses: int
    element_means: dict[str, float]  # NRR per element, 1–4
    value: float | None  # IKM, 25–100
    grade: str | None  # A, B, C, D

    @property
    def grade_label(self) -> dict[str, str] | None:
        return GRADE_LABELS.get(self.grade or "")


GRADE_LABELS = {"A": {"id": "Sangat baik", "en": "Very good"}, "B": {"id": "Baik", "en": "Good"},
                "C": {"id": "Kurang baik", "en": "Fair"}, "D": {"id": "Tidak baik", "en": "Poor"}}


def grade_of(value: float) -> str:
    if value >= 88.31:
        return "A"
    if value >= 76.61:
        return "B"
    if value >= 65.0:
        return "C"
    return "D"


def _filtered(query, line: str | None, since: datetime | None, until: datetime | None):  # noqa: ANN001, ANN202
    if line:
        query = query.where(SurveyResponse.line == line)
    if since is not None:
        query = query.where(SurveyResponse.answered_at >= since)
    if until is not None:
        query = query.where(SurveyResponse.answered_at < until)
    return query


def _aggregates() -> list:
    return [func.count(SurveyResponse.id), *[func.avg(getattr(SurveyResponse, code)) for code in CODES]]


def _index_of(count: int | None, means: list) -> Index:
    if not count:
        return Index(0, {}, None, None)
    element_means = {code: round(float(mean), 4) for code, mean in zip(CODES, means, strict=True)}
    value = round(sum(float(m) for m in means) / len(CODES) * 25, 2)
    return Index(int(count), element_means, value, grade_of(value))


def index(session: Session, line: str | None = None, since: datetime | None = None,
          until: datetime | None = None) -> Index:
    """IKM over the answers of one line (or all), answered in [since, until)."""
    count, *means = session.execute(_filtered(select(*_aggregates()), line, since, until)).one()
    return _index_of(count, means)


def index_by_line(session: Session, since: datetime | None = None, until: datetime | None = None) -> dict[str, Index]:
    """IKM per line that has ever been answered (an empty Index when none in [since, until)); two queries
    for all lines, not one per line."""
    query = _filtered(select(SurveyResponse.line, *_aggregates()), None, since, until).group_by(SurveyResponse.line)
    found = {line: _index_of(count, means) for line, count, *means in session.execute(query)}
    lines = session.scalars(select(SurveyResponse.line).distinct()).all()
    return {line: found.get(line, _index_of(0, [])) for line in sorted(lines)}
