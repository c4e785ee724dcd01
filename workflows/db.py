"""Tables of the engine layer: process definitions, cases, the inbox projection,
the audit chain, the notification outbox and yearly counters.

Plain SQLAlchemy (no Flask): the web app and the scheduler share these through
whatever session they hold, so a case step commits as one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, scoped_session

from . import pg_cursor  # noqa: F401 (PostgreSQL connections get its cursors)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def own_session(session: Session | scoped_session) -> Session:
    """The Session itself where given Flask-SQLAlchemy's scoped proxy (the request's Session): a caller asking
    it many things pays the proxy's lookup of the current scope once instead of at every call."""
    return session() if isinstance(session, scoped_session) else session


def utcnow() -> datetime:
    """Naive UTC: SQLite and PostgreSQL `timestamp` store it the same way."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ProcessDefinition(Base):
    """One deployed version of one BPMN process (with the DMN files it calls)."""

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("process_id", "version", name="uq_process_definition_version"),
        # Not unique: a package rollback deploys an earlier content again as a new version.
        Index("ix_process_definition_process_id_hash", "process_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(200))
    # Large and read rarely: loaded on first access only (engine steps use a per-process cache).
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    dmn_json: Mapped[str] = mapped_column(Text, default="{}", deferred=True)
    # The parsed spec, serialized once here instead of in every case.
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    # {"process": {...}, "tasks": {task id: {role, form, case_status...}}}, read
    # from the XML at deploy time so the inbox never needs the spec.
    meta_json: Mapped[str] = mapped_column(Text, default="{}")
    deployed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deployed_by: Mapped[str] = mapped_column(String(100), default="system")
    # The service package version this definition was deployed with (its forms, letters, catalogue).
    package_id: Mapped[int | None] = mapped_column(ForeignKey("service_package.id"), index=True)


class Case(Base):
    """One running or finished instance of a process definition."""

    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_timer_due", "next_timer_at", postgresql_where="next_timer_at IS NOT NULL"),
        Index("ix_case_region_status", "region_code", "status"),
        # Migration 0014: the dashboard's cases opened / closed in a period.
        Index("ix_case_created_at", "created_at"),
        Index("ix_case_closed_at", "closed_at"),
        # Migration 0025: a head of bidang's live dashboard figures (their bidang, open or closed).
        Index("ix_case_bidang_completed", "bidang", "completed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    tracking_code: Mapped[str] = mapped_column(String(16))
    process_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str | None] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(20))
    bidang: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(60))
    status_note: Mapped[str | None] = mapped_column(Text)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    subject_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    started_by: Mapped[str] = mapped_column(String(100))
    serialized: Mapped[str] = mapped_column(Text)
    next_timer_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The line's service level (catalogue `sla`): when the case should be done. Its clock stops while
    # the case waits on the citizen (sla_paused_at set) and the due time moves later on resumption.
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    sla_paused_at: Mapped[datetime | None] = mapped_column(DateTime)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    definition: Mapped[ProcessDefinition] = relationship()

    # Optimistic locking: an UPDATE that finds another version raises StaleDataError.
    __mapper_args__ = {"version_id_col": lock_version}


class InboxTask(Base):
    """Projection of a ready human task, queried by inboxes without loading workflows."""

    __tablename__ = "inbox_task"
    __table_args__ = (
        # Migration 0005: the inbox's order, so its first page is read from the index (PostgreSQL); it also
        # serves every filter by state and role (migration 0034 dropped the narrower index that did).
        Index("ix_inbox_queue", "state", "role", "priority", "due_at", "id",
              postgresql_ops={"priority": "DESC", "due_at": "NULLS LAST"}),
        Index("ix_inbox_case", "case_id", "state"),
        Index("ix_inbox_completed_at", "completed_at"),  # migration 0014: stages done in a period
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    task_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    task_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100))
    form: Mapped[str | None] = mapped_column(String(200))
    ui_form: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(20))
    bidang: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(12), default="open")  # open, completed, cancelled
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set by the task property `assigneeVariable` (this user must also hold the role) or by an assignee the
    # diagram names (camunda:assignee, humanPerformer: also a candidate user): only this user sees the task.
    assignee: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    case: Mapped[Case] = relationship()
    candidates: Mapped[list[InboxCandidate]] = relationship(back_populates="task")


class InboxCandidate(Base):
    """Who else may work on an inbox task besides its `role`: another candidate role (within that role's
    scope), or a named user (candidateUsers, a Camunda assignee), who needs no role and, while the task is
    open, may see its case. Kept as rows so the inbox stays one indexed query."""

    __tablename__ = "inbox_candidate"
    __table_args__ = (
        Index("ix_inbox_candidate_role", "role", "inbox_task_id"),
        Index("ix_inbox_candidate_user", "username", "inbox_task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_task_id: Mapped[int] = mapped_column(ForeignKey("inbox_task.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(100))
    username: Mapped[str | None] = mapped_column(String(100))

    task: Mapped[InboxTask] = relationship(back_populates="candidates")


class MessageWait(Base):
    """A message an open case waits for, with each correlation value it expects (projection, like the inbox):
    a message sent with a correlation value finds its case in one indexed query."""

    __tablename__ = "message_wait"
    __table_args__ = (Index("ix_message_wait_lookup", "message", "prop", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    message: Mapped[str] = mapped_column(String(200))
    # A correlation property (its id) and the value this case expects; None for a message without one.
    prop: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[str | None] = mapped_column(String(200))


class AuditEvent(Base):
    """Append-only; each row carries the hash of the previous row of its case."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_audit_event_case_seq"),
                      Index("ix_audit_event_occurred_at", "occurred_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by case through the unique key (case_id, seq): no index of its own (migration 0034).
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    task_name: Mapped[str | None] = mapped_column(String(100))
    task_title: Mapped[str | None] = mapped_column(String(200))
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    """Each case's chain length and head hash, kept apart from the events and written in the same
    transaction as every append: events removed wholesale (DELETE, TRUNCATE) leave this record
    behind, and verification compares the two."""

    __tablename__ = "audit_chain"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True, autoincrement=False)
    length: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # The length is also the row's version: two steps appending to one case from the same length,
    # the second finds the row moved on (StaleDataError, a conflict the caller reports) instead of
    # writing a shorter length, which the database's grow-only trigger would refuse as tampering.
    __mapper_args__ = {"version_id_col": length, "version_id_generator": False}


class OutboxMessage(Base):
    """A notification waiting to be sent (or sent) through a channel adapter."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, sent, failed, skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What kind of message (text, template, document, list) and the channel's extra parts (JSON).
    kind: Mapped[str] = mapped_column(String(20), default="text")
    payload: Mapped[str | None] = mapped_column(Text)
    # The gateway's id of the sent message, and what the gateway later reported of it
    # (sent, delivered, read, failed): WhatsApp's `statuses`.
    provider_id: Mapped[str | None] = mapped_column(String(200), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(12))
    # One message per event (a status change, an issued letter): the same key twice is refused.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)


class Counter(Base):
    """Gap-free yearly sequences (ticket numbers, letter numbers)."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
