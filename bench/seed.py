"""Bulk seeding shaped exactly like real rows: a few template cases are driven through the
engine, then copied many times with COPY (PostgreSQL) or executemany (SQLite).

A copy gets its own id, reference (from the id, as start_case makes it), tracking code, task
UUIDs (in the serialized workflow and its inbox rows alike), region, assignee, due time and a
freshly computed audit hash chain, so it loads, steps and verifies like any other case.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from workflows import audit
from workflows.db import AuditChain, AuditEvent, Case, InboxTask, OutboxMessage

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TRACKING = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class _Pattern:
    """A template string cut at the values a copy changes, so a copy is one join."""

    def __init__(self, source: str, tokens: list[str]):
        self.source = source
        if not tokens:
            self.parts = [source]
            return
        alternation = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
        self.parts = re.split(f"({alternation})", source)

    def render(self, mapping: dict[str, str]) -> str:
        return "".join([mapping.get(p, p) for p in self.parts]) if len(self.parts) > 1 else self.source


@dataclass
class Template:
    """One case as the engine left it, with its inbox rows and audit chain."""

    name: str
    case: dict[str, Any]
    inbox: list[dict[str, Any]]
    events: list[dict[str, Any]]
    tokens: list[str] = field(default_factory=list)
    patterns: dict[str, _Pattern] = field(default_factory=dict)

    @property
    def open_tasks(self) -> list[dict[str, Any]]:
        return [row for row in self.inbox if row["state"] == "open"]


def capture(session: Session, case_id: int, name: str, replace: tuple[str, ...] = ()) -> Template:
    """Read a case's rows; `replace` lists other strings (region code, username) a copy may change."""
    session.expire_all()
    case = dict(session.execute(select(Case.__table__).where(Case.id == case_id)).one()._mapping)
    inbox = [dict(r._mapping) for r in session.execute(
        select(InboxTask.__table__).where(InboxTask.case_id == case_id).order_by(InboxTask.id))]
    events = [dict(r._mapping) for r in session.execute(
        select(AuditEvent.__table__).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))]
    if session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.case_id == case_id)):
        raise ValueError("templates are anonymous cases (no outbox rows to copy)")
    uuids = sorted(set(UUID_RE.findall(case["serialized"])) | {row["task_uuid"] for row in inbox})
    tokens = uuids + [t for t in replace if t]
    template = Template(name, case, inbox, events, tokens)
    template.patterns["serialized"] = _Pattern(case["serialized"], tokens)
    for event in events:
        template.patterns[f"event{event['seq']}"] = _Pattern(event["data_json"], tokens)
    return template


@dataclass
class Copy:
    """How one copy differs from its template."""

    region_code: str | None = None
    replace: dict[str, str] = field(default_factory=dict)  # template string → this copy's string
    bidang: str | None = None
    assignee: str | None = None
    priority: int = 0
    due_at: datetime | None = None
    age: timedelta = timedelta(0)  # how much earlier than the template it happened


class Seeder:
    """Writes copies of templates, in chunks, with explicit ids."""

    def __init__(self, engine: Engine, rng: random.Random | None = None, chunk: int = 5000):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.rng = rng or random.Random(20261123)
        self.chunk = chunk
        with Session(engine) as session:
            self.next_id = {
                table: (session.scalar(select(func.max(model.id))) or 0) + 1
                for table, model in (("case", Case), ("inbox_task", InboxTask), ("audit_event", AuditEvent))
            }
        self.columns = {
            "case": [c.name for c in Case.__table__.columns],
            "inbox_task": [c.name for c in InboxTask.__table__.columns],
            "audit_event": [c.name for c in AuditEvent.__table__.columns],
            "audit_chain": [c.name for c in AuditChain.__table__.columns],
        }
        self.case_ids: list[int] = []

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def _rows(self, template: Template, copy: Copy) -> tuple[dict, list[dict], list[dict], dict]:
        ids = self.next_id
        case_id = ids["case"]
        ids["case"] += 1
        mapping = {u: self._uuid() for u in template.tokens if UUID_RE.fullmatch(u)}
        mapping.update(copy.replace)
        tc = template.case
        prefix = tc["reference"].rsplit("-", 2)[0]
        year = tc["created_at"].year
        case = dict(tc)
        case.update(
            id=case_id, reference=f"{prefix}-{year}-{case_id:06d}",
            tracking_code="".join(self.rng.choices(TRACKING, k=8)),
            serialized=template.patterns["serialized"].render(mapping),
            region_code=copy.region_code or tc["region_code"], priority=copy.priority,
            bidang=copy.bidang or tc["bidang"],
            created_at=tc["created_at"] - copy.age, updated_at=tc["updated_at"] - copy.age,
            closed_at=tc["closed_at"] - copy.age if tc["closed_at"] else None,
        )
        inbox = []
        for row in template.inbox:
            new = dict(row)
            new.update(
                id=ids["inbox_task"], case_id=case_id, task_uuid=mapping[row["task_uuid"]],
                region_code=case["region_code"], priority=copy.priority,
                created_at=row["created_at"] - copy.age,
                completed_at=row["completed_at"] - copy.age if row["completed_at"] else None,
                claimed_at=row["claimed_at"] - copy.age if row["claimed_at"] else None,
            )
            if row["bidang"]:
                new["bidang"] = copy.bidang or row["bidang"]
            if row["assignee"]:
                new["assignee"] = copy.assignee or row["assignee"]
            if row["state"] == "open" and row["due_at"] is not None and copy.due_at is not None:
                new["due_at"] = copy.due_at
            ids["inbox_task"] += 1
            inbox.append(new)
        events = []
        prev = audit.GENESIS
        for event in template.events:
            new = dict(event)
            new.update(id=ids["audit_event"], case_id=case_id, occurred_at=event["occurred_at"] - copy.age,
                       data_json=template.patterns[f"event{event['seq']}"].render(mapping), prev_hash=prev)
            new["hash"] = prev = audit._digest(SimpleNamespace(**new))
            ids["audit_event"] += 1
            events.append(new)
        self.case_ids.append(case_id)
        # The chain's record (length and head), as the engine keeps it for every case it writes.
        chain = {"case_id": case_id, "length": len(events), "head_hash": prev,
                 "updated_at": events[-1]["occurred_at"] if events else case["updated_at"]}
        return case, inbox, events, chain

    def write(self, plan: Iterator[tuple[Template, Copy]], progress: Callable[[int], None] | None = None) -> int:
        """Write every (template, copy) of the plan; returns the number of cases written."""
        written = 0
        batch: dict[str, list[dict]] = {"case": [], "inbox_task": [], "audit_event": [], "audit_chain": []}
        for template, copy in plan:
            case, inbox, events, chain = self._rows(template, copy)
            batch["case"].append(case)
            batch["inbox_task"] += inbox
            batch["audit_event"] += events
            batch["audit_chain"].append(chain)
            written += 1
            if len(batch["case"]) >= self.chunk:
                self._flush(batch)
                if progress:
                    progress(written)
        self._flush(batch)
        self._after()
        return written

    def _flush(self, batch: dict[str, list[dict]]) -> None:
        with self.engine.begin() as conn:
            for table in ("case", "inbox_task", "audit_event", "audit_chain"):
                rows = batch[table]
                if not rows:
                    continue
                columns = self.columns[table]
                if self.postgres:
                    raw = conn.connection.driver_connection
                    with raw.cursor() as cursor:
                        quoted = ", ".join(f'"{c}"' for c in columns)
                        with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                            for row in rows:
                                copy.write_row([row[c] for c in columns])
                else:
                    model = {"case": Case, "inbox_task": InboxTask, "audit_event": AuditEvent,
                             "audit_chain": AuditChain}[table]
                    conn.execute(model.__table__.insert(), rows)
                rows.clear()

    def _after(self) -> None:
        if not self.postgres:
            return
        with self.engine.begin() as conn:
            for table in ("case", "inbox_task", "audit_event"):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"))
        # Production databases have statistics (autovacuum); a freshly seeded one gets them here.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text('ANALYZE "case", inbox_task, audit_event, audit_chain'))


def ticker(label: str, total: int) -> Callable[[int], None]:
    started = time.perf_counter()
    step = max(1, total // 10)
    state = {"next": step}

    def progress(done: int) -> None:
        if done >= state["next"] or done == total:
            state["next"] += step
            rate = done / max(1e-9, time.perf_counter() - started)
            print(f"  {label}: {done:,}/{total:,} ({rate:,.0f}/s)", flush=True)

    return progress



# The cases the inbox and dashboard benchmarks measure: complaints in each state and PBI-JKN files returned to
# their kelurahan, copied over the office's villages.
OFFICE = "91.71"
TEMPLATE_VILLAGE = "91.71.01.1001"
PBI_VILLAGE = "91.71.03.1011"
PBI_OFFICER = "kelurahan.abepura"  # demo user, region 91.71.03
# Share of open cases per template (the escalated template has two open tasks).
OPEN_MIX = {"verifikasi": 0.40, "lapangan_rehsos": 0.18, "lapangan_dayasos": 0.12, "eskalasi": 0.10,
            "pbi_perbaiki": 0.20}
CLOSED_MIX = {"selesai": 0.8, "ditolak": 0.2}


@dataclass
class Seeded:
    written: int  # cases copied
    seconds: float  # the bulk write's time (the template cases not counted)
    case_ids: list[int]


def seed(engine: Engine, cases: int, open_tasks: int, rng_seed: int) -> Seeded:
    """The template cases (through the engine), then `cases` copies, the open ones first until they hold
    `open_tasks` open tasks, written in bulk; `rng_seed` fixes the plan, so a run's data is the same every
    time."""
    templates = make_templates(engine)
    seeder = Seeder(engine)
    started = time.perf_counter()
    written = seeder.write(plan(templates, cases, open_tasks, random.Random(rng_seed)),
                           ticker("seeded cases", cases))
    return Seeded(written, time.perf_counter() - started, seeder.case_ids)


def make_templates(engine: Any) -> dict[str, Template]:
    """One case per shape, driven through the engine's own API."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from workflows import cases
    from workflows.db import InboxTask
    from workflows.principal import FIELD_OFFICER, OPERATOR, Principal
    from workflows.timers import wake_due_timers

    operator = Principal("operator", frozenset({OPERATOR}), scopes=((OPERATOR, "office"),))
    session = Session(engine)

    def task(case_id: int, name: str) -> int:
        session.expire_all()
        return session.scalar(select(InboxTask.id).where(
            InboxTask.case_id == case_id, InboxTask.task_name == name, InboxTask.state == "open"))

    def complaint(category: str = "pengemis", **extra: Any) -> int:
        data = {"kategori": category, "deskripsi": "Laporan warga untuk uji beban kotak tugas",
                "lokasi": "Jalan Raya Abepura", "kode_wilayah": TEMPLATE_VILLAGE, **extra}
        case = cases.start_case(session, "pengaduan", data, "warga", region_code=TEMPLATE_VILLAGE,
                                category=category, title=data["deskripsi"])
        return case.id

    def verified(category: str = "pengemis", **extra: Any) -> int:
        case_id = complaint(category, **extra)
        cases.complete_task(session, task(case_id, "verifikasi"), operator, {"keputusan": "valid"})
        return case_id

    from .engine import FOLLOW_UP

    ids: dict[str, int] = {}
    ids["verifikasi"] = complaint()
    ids["lapangan_rehsos"] = verified("pengemis")
    ids["lapangan_dayasos"] = verified("pemulung")
    ids["eskalasi"] = verified("gelandangan", sla_lapangan="PT0S")
    wake_due_timers(session)
    ids["selesai"] = verified("pengemis")
    officer = Principal("lapangan.rehsos", frozenset({FIELD_OFFICER}), bidang="rehsos",
                        scopes=((FIELD_OFFICER, "bidang"),))
    cases.complete_task(session, task(ids["selesai"], "tindak_lanjut_lapangan"), officer, FOLLOW_UP)
    ids["ditolak"] = complaint()
    cases.complete_task(session, task(ids["ditolak"], "verifikasi"), operator,
                        {"keputusan": "tidak_valid", "alasan": "Bukan masalah kesejahteraan sosial."})
    pbi = cases.start_case(
        session, "pbi_jkn",
        {"pengaju": PBI_OFFICER, "nik": "9171034107850001", "nama": "Warga Uji", "kode_wilayah": PBI_VILLAGE,
         "alasan": "Tidak mampu membayar iuran BPJS"},
        PBI_OFFICER, region_code=PBI_VILLAGE, category="pbi_jkn", title="PBI-JKN Warga Uji")
    cases.complete_task(session, task(pbi.id, "verifikasi"), operator,
                        {"keputusan": "tidak_lengkap", "kk_bermasalah": True,
                         "alasan_pengembalian": "Kartu Keluarga tidak terbaca."})
    ids["pbi_perbaiki"] = pbi.id
    templates = {}
    for name, case_id in ids.items():
        replace = (PBI_VILLAGE, PBI_OFFICER) if name == "pbi_perbaiki" else (TEMPLATE_VILLAGE,)
        templates[name] = capture(session, case_id, name, replace)
    session.close()
    expected_open = {"verifikasi": 1, "lapangan_rehsos": 1, "lapangan_dayasos": 1, "eskalasi": 2,
                     "pbi_perbaiki": 1, "selesai": 0, "ditolak": 0}
    for name, template in templates.items():
        assert len(template.open_tasks) == expected_open[name], (name, template.open_tasks)
    return templates


def plan(templates: dict[str, Template], cases: int, open_tasks: int, rng: random.Random
         ) -> Iterator[tuple[Template, Copy]]:
    from app.regions import villages

    codes = [code for code, _ in villages(OFFICE)]
    names, weights = list(OPEN_MIX), list(OPEN_MIX.values())
    produced_open = produced = 0
    while produced_open < open_tasks and produced < cases:
        template = templates[rng.choices(names, weights)[0]]
        village = rng.choice(codes)
        copy = Copy(region_code=village, priority=1 if rng.random() < 0.05 else 0,
                    due_at=_now() + timedelta(hours=rng.uniform(-72, 72)), age=timedelta(days=rng.uniform(0, 10)))
        copy.replace = {TEMPLATE_VILLAGE: village}
        if template.name == "pbi_perbaiki":
            officer = PBI_OFFICER if village.startswith("91.71.03.") else f"kelurahan.{village}"
            copy.replace = {PBI_VILLAGE: village, PBI_OFFICER: officer}
            copy.assignee = officer
        produced_open += len(template.open_tasks)
        produced += 1
        yield template, copy
    names, weights = list(CLOSED_MIX), list(CLOSED_MIX.values())
    for _ in range(cases - produced):
        village = rng.choice(codes)
        yield templates[rng.choices(names, weights)[0]], Copy(
            region_code=village, replace={TEMPLATE_VILLAGE: village}, age=timedelta(days=rng.uniform(0, 365)))


def _now():  # noqa: ANN202
    from workflows.db import utcnow

    return utcnow()
