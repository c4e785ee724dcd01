"""Counting cases from inside a process, for rules such as a yearly quota or a daily capacity,
without Python of a line's own:

    tag_case(name, value)                     mark this case with a searchable value (e.g. the visit date)
    count_cases(process=None, statuses=None, tag=None, value=None, year=None)
                                              how many other cases of a process (default: this case's)
                                              have one of `statuses`, carry tag `tag` = `value`, and
                                              started in `year` (office calendar; default: any year)

Tags live in their own indexed table (process variables are serialized and cannot be searched).
The count runs in the engine step's transaction, so a quota check and the approval it guards are
one step; two approvals racing for the last place are decided by the case's optimistic lock only
per case, so a quota is a guide for the approver, not a hard lock across cases.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, extract, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, Case
from .scripting import ScriptContext, ScriptFunction, register_script_function


class CaseTag(Base):
    __tablename__ = "case_tag"
    __table_args__ = (Index("ix_case_tag_name_value", "name", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(String(200))


def tag(session: Session, case: Case, name: str, value: object) -> None:
    """Set (or replace) one tag of a case inside the caller's transaction."""
    existing = session.scalar(select(CaseTag).where(CaseTag.case_id == case.id, CaseTag.name == name[:60]))
    if existing is None:
        session.add(CaseTag(case_id=case.id, name=name[:60], value=str(value)[:200]))
    else:
        existing.value = str(value)[:200]
    session.flush()


def count(session: Session, case: Case, process: str | None = None, statuses: list[str] | None = None,
          tag_name: str | None = None, value: object = None, year: int | None = None) -> int:
    query = select(func.count(Case.id)).where(Case.process_id == (process or case.process_id), Case.id != case.id)
    if statuses:
        query = query.where(Case.status.in_(list(statuses)))
    if tag_name is not None:
        tagged = select(CaseTag.case_id).where(CaseTag.name == tag_name, CaseTag.value == str(value))
        query = query.where(Case.id.in_(tagged))
    if year is not None:
        query = query.where(extract("year", Case.created_at) == int(year))
    return int(session.scalar(query) or 0)


@register_script_function("tag_case")
def _tag_case(ctx: ScriptContext) -> ScriptFunction:
    def tag_case(name: str, value: object) -> None:
        tag(ctx.session, ctx.case, name, value)

    return tag_case


@register_script_function("count_cases")
def _count_cases(ctx: ScriptContext) -> ScriptFunction:
    def count_cases(process: str | None = None, statuses: list[str] | None = None, tag: str | None = None,
                    value: object = None, year: int | None = None) -> int:
        return count(ctx.session, ctx.case, process, statuses, tag, value, year)

    return count_cases
