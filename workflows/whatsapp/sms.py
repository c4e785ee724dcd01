"""SMS fallback for numbers without WhatsApp, on the same outbox.

Wire format (any SMS gateway, or a small bridge in front of one, speaks it):

    POST {LIGAT_SMS_API_URL}/messages
    Authorization: Bearer {LIGAT_SMS_TOKEN}
    Content-Type: application/json

    {"to": "+6281234567890", "text": "LIGAT: ...", "reference": "ligat-<outbox id>"}

    201 {"id": "<gateway message id>", "status": "accepted"}
    4xx {"error": "..."}   refused for good (recorded, not retried)
    5xx / no answer         retried with backoff by the outbox

Without a token the local stand-in (app/whatsapp/standin.py, `/whatsapp/standin/sms/messages`) answers,
as long as WhatsApp too runs on its stand-in; with a real WhatsApp token and no SMS gateway, SMS is off
and each SMS is recorded as refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from ..db import OutboxMessage
from ..notifications import Refused
from .cloud import STANDIN_TOKEN, http_client

SMS_LIMIT = 459  # three concatenated SMS


@dataclass
class SmsSettings:
    api_url: str = ""
    token: str = ""
    transport: httpx.BaseTransport | None = None


SETTINGS = SmsSettings()


def e164(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return "+" + digits


class SmsChannel:
    name = "sms"

    def send(self, recipient: str, message: str) -> None:
        self._post(recipient, message, "ligat")

    def deliver(self, session: Session, msg: OutboxMessage) -> str:
        return self._post(msg.recipient, msg.message, f"ligat-{msg.id}")

    def _post(self, recipient: str, message: str, reference: str) -> str:
        if not SETTINGS.api_url:
            raise Refused("SMS belum diatur: tidak ada gateway SMS (LIGAT_SMS_API_URL). (No SMS gateway configured.)")
        with http_client(SETTINGS.transport) as client:
            response = client.post(SETTINGS.api_url.rstrip("/") + "/messages",
                                   headers={"Authorization": f"Bearer {SETTINGS.token or STANDIN_TOKEN}"},
                                   json={"to": e164(recipient), "text": message[:SMS_LIMIT], "reference": reference})
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise Refused(f"SMS gateway {response.status_code}")
        response.raise_for_status()
        return str(response.json().get("id") or "")
