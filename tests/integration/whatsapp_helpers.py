"""A citizen's phone on the local WhatsApp stand-in: what it sends goes to /whatsapp/webhook as
a signed Cloud API webhook body (the documented shapes), and what the office sends reaches it
through the adapter and the stand-in's Graph API."""

from __future__ import annotations

import random
from typing import Any

from app.whatsapp import standin
from app.whatsapp.webhook import run_worker
from workflows.notifications import dispatch_pending

_rng = random.Random()


def new_number() -> str:
    return f"62812{_rng.randint(10_000_000, 99_999_999)}"


class Phone:
    def __init__(self, app: Any, number: str | None = None, name: str = "Yohana"):
        self.app = app
        self.number = number or new_number()
        self.name = name
        self.seen = 0

    # -- sending ---------------------------------------------------------------------------------
    def send(self, message: dict[str, Any], settle: bool = True) -> str:
        response, message_id = standin.citizen_sends(self.app, self.number, message, self.name)
        assert response.status_code == 200, response.text
        if settle:
            self.settle()
        return message_id

    def text(self, body: str, settle: bool = True) -> str:
        return self.send({"type": "text", "text": {"body": body}}, settle)

    def pick(self, row_id: str, title: str = "") -> str:
        return self.send({"type": "interactive", "interactive": {
            "type": "list_reply", "list_reply": {"id": row_id, "title": title or row_id, "description": ""}}})

    def button(self, button_id: str, title: str = "") -> str:
        return self.send({"type": "interactive", "interactive": {
            "type": "button_reply", "button_reply": {"id": button_id, "title": title or button_id}}})

    def location(self, lat: float, lon: float, name: str = "", address: str = "") -> str:
        return self.send({"type": "location", "location": {"latitude": lat, "longitude": lon, "name": name,
                                                            "address": address}})

    def image(self, data: bytes, mime: str = "image/jpeg") -> str:
        media_id = standin.store_media(data, mime, "")
        return self.send({"type": "image", "image": {"id": media_id, "mime_type": mime, "sha256": "x"}})

    # -- the office's side -------------------------------------------------------------------------
    def settle(self) -> None:
        """What the scheduler would do next: handle the queued message, send the replies."""
        with self.app.app_context():
            run_worker(self.number)
            from app.extensions import db

            dispatch_pending(db.session, recipient=(self.number, "+" + self.number))

    def received(self) -> list[dict[str, Any]]:
        return [m["body"] for m in standin.thread(self.number) if m["direction"] == "out"]

    def new(self) -> list[dict[str, Any]]:
        """Messages received since the last call."""
        got = self.received()
        fresh, self.seen = got[self.seen:], len(got)
        return fresh

    def last_text(self) -> str:
        from workflows.whatsapp.wire import preview

        return preview(self.received()[-1])
