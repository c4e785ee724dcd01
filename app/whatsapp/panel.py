"""The conversation panel on the officers' case page: the WhatsApp thread of the case and a
form to write to the citizen. Seen and used under the case page's own rule (can_view_case);
an anonymous reporter's number is never shown: LIGAT relays."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflows import audit, notifications
from workflows.db import Case, OutboxMessage, utcnow
from workflows.whatsapp import cloud, wire
from workflows.whatsapp.conversation import conversation_of, talk_about
from workflows.whatsapp.inbound import CHANNEL
from workflows.whatsapp.models import WaCaseLink, WaThreadMessage

from ..casedata import visible_case_or_404
from ..extensions import db
from ..security import CASE, current_principal

MAX_LENGTH = 1000
DELIVERY = {"pending": _l("menunggu dikirim"), "sent": _l("terkirim"), "delivered": _l("sampai di HP"),
            "read": _l("dibaca"), "failed": _l("gagal"), "skipped": _l("tidak dikirim")}


def case_whatsapp(case: Case) -> dict[str, Any] | None:
    """The panel's content (None when the case has no WhatsApp conversation)."""
    link = db.session.get(WaCaseLink, case.id)
    if link is None:
        return None
    rows = db.session.execute(
        select(WaThreadMessage, OutboxMessage).outerjoin(OutboxMessage, OutboxMessage.id == WaThreadMessage.outbox_id)
        .where(WaThreadMessage.case_id == case.id).order_by(WaThreadMessage.id)).all()
    thread = []
    for m, o in rows:
        status = (o.delivery_status or o.status) if o else None
        thread.append({"message": m, "delivery": status, "delivery_label": DELIVERY.get(status or "", ""),
                       "error": o.last_error if o and o.status in ("failed", "skipped") else None})
    letters = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id, OutboxMessage.kind.in_(["document", "status", "template"]))
        .order_by(OutboxMessage.id)).all()
    return {"link": link, "thread": thread, "notices": letters, "delivery": DELIVERY,
            "window": cloud.window_open(db.session, link.wa_id),
            # The same rule as the write route: readers (an auditor) see the thread, not a form they cannot use.
            "may_write": current_principal().can_work}


class WhatsAppCaseView(BaseView):
    route_base = "/whatsapp/kasus"
    # The case page's permission and base_permissions (see DESIGN.md on FAB).
    class_permission_name = CASE
    base_permissions = ["can_read"]
    method_permission_name = {"write": "read"}

    @expose("/<int:case_id>/tulis", methods=["POST"])
    @has_access
    def write(self, case_id: int):  # noqa: ANN201
        principal = current_principal()
        case = visible_case_or_404(case_id, principal)
        link = db.session.get(WaCaseLink, case.id)
        text = (request.form.get("isi") or "").strip()
        back = redirect(url_for("CaseView.show", case_id=case_id) + "#whatsapp")
        if not principal.can_work or link is None:
            flash(_("Anda tidak dapat menulis ke warga pada kasus ini."), "danger")
            return back
        if not 1 <= len(text) <= MAX_LENGTH:
            flash(_("Tulis pesan 1–1000 huruf."), "danger")
            return back
        body = f"Petugas Dinas Sosial ({case.reference}): {text}"
        msg = notifications.queue(
            db.session, case.id, link.wa_id, body, CHANNEL, kind="text",
            payload={"message": wire.text_body(body),
                     "template": {"name": cloud.SETTINGS.template_message, "params": [case.reference, text]}})
        db.session.flush()
        item = WaThreadMessage(case_id=case.id, direction="out", author=principal.username, body=text, outbox_id=msg.id)
        db.session.add(item)
        db.session.flush()
        audit.append(db.session, case.id, principal.username, "whatsapp_sent", {"pesan": item.id})
        conversation = conversation_of(db.session, link.wa_id)
        if conversation.state in ("menu", "percakapan"):
            # The citizen's answer lands on this case (and on the process, where it waits for one).
            talk_about(conversation, case.id)
            conversation.updated_at = utcnow()
        db.session.commit()
        if msg.status == "skipped":
            flash(_("Warga telah berhenti berlangganan; pesan dicatat tetapi tidak dikirim."), "warning")
        else:
            flash(_("Pesan masuk antrean pengiriman WhatsApp."), "success")
        return back
