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

