"""A case's full history as a PDF an inspector can file: every event with its time in office time,
who did it, its data with the forms' labels (NIK and KK masked), and each event's hash and the hash
before it, with the chain's verification result. Written with python-docx and turned into PDF by
LibreOffice, the way letters are (letters/pdf.py), and signed with the office's certificate."""

from __future__ import annotations

import io

import docx
from docx.shared import Pt
from flask_babel import gettext as _
from sqlalchemy import select

from letters.pdf import to_pdf
from workflows import signing
from workflows.audit import against_record, verify_case
from workflows.db import AuditChain, AuditEvent, Case

from ..views.display import actor_label, format_dt
from .readable import readable


def chain_state(session, case: Case, events: list[AuditEvent]) -> str:  # noqa: ANN001
    """The case's chain checked against itself and its chain record, as one line of text."""
    record = session.get(AuditChain, case.id)
    link = verify_case(events) or against_record(
        case.id, events, (record.length, record.head_hash) if record else None)
    if link is None:
        return _("Rantai audit kasus ini utuh (%(n)s peristiwa).", n=len(events))
    return _("Rantai audit kasus ini RUSAK: %(link)s", link=str(link))


def history_docx(case: Case, events: list[AuditEvent], state: str, office: str, made_by: str, made_at: str) -> bytes:
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Liberation Sans", Pt(9)
    document.add_heading(_("Riwayat Kasus %(ref)s", ref=case.reference), level=1)
    document.add_paragraph(office)
    document.add_paragraph(
        f"{_('Proses')}: {case.definition.name} ({_('versi')} {case.definition.version}) · "
        f"{_('Status')}: {case.status} · {_('Dibuat')}: {format_dt(case.created_at)}")
    document.add_paragraph(f"{_('Dicetak oleh')} {made_by}, {made_at}. {state}")
    for event in events:
        item = readable(event, case, mask=True)
        heading = document.add_paragraph()
        heading.add_run(f"#{event.seq} {item.label}").bold = True
        if event.task_title:
            heading.add_run(f" · {_('Tugas')}: {event.task_title}")
        heading.add_run(f" · {actor_label(event.actor)} · {format_dt(event.occurred_at)}")
        for row in item.items:
            document.add_paragraph(f"{row.label}: {row.text}", style="List Bullet")
        hashes = document.add_paragraph()
        run = hashes.add_run(f"{_('hash')} {event.hash}\n{_('hash sebelumnya')} {event.prev_hash}")
        run.font.name, run.font.size = "Liberation Mono", Pt(7)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def history_pdf(session, case: Case, office: str, made_by: str, made_at: str) -> bytes | None:  # noqa: ANN001
    """The PDF, signed with the office's certificate like letters (so a reader shows it unchanged),
    or None where LibreOffice is not installed."""
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)))
    state = chain_state(session, case, events)
    pdf = to_pdf(history_docx(case, events, state, office, made_by, made_at))
    if pdf is not None and signing.SETTINGS.enabled:
        pdf = signing.sign_pdf(pdf, _("Riwayat kasus %(ref)s, dicetak oleh %(who)s", ref=case.reference, who=made_by))
    return pdf
