"""WhatsApp channel, web side: the webhook (webhook.py), the local stand-in of the Cloud API
(standin.py), the citizen chat simulator (simulator.py) and the officers' conversation panel
(panel.py). The conversation itself, the adapter and the queue are in workflows/whatsapp/."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from flask import Flask

from workflows import notifications
from workflows.whatsapp import cloud, inbound, sms, step_reads
from workflows.whatsapp.cloud import WhatsAppChannel
from workflows.whatsapp.sms import SmsChannel


def configure(app: Flask) -> None:
    """Settings from config; without a token the in-process stand-in answers (same wire format)."""
    config = app.config
    settings = cloud.SETTINGS
    settings.token = config["LIGAT_WHATSAPP_TOKEN"]
    settings.phone_number_id = config["LIGAT_WHATSAPP_PHONE_NUMBER_ID"]
    settings.api_version = config["LIGAT_WHATSAPP_API_VERSION"]
    settings.template_status = config["LIGAT_WHATSAPP_TEMPLATE_STATUS"]
    settings.template_message = config["LIGAT_WHATSAPP_TEMPLATE_MESSAGE"]
    settings.template_letter = config["LIGAT_WHATSAPP_TEMPLATE_LETTER"]
    settings.template_language = config["LIGAT_WHATSAPP_TEMPLATE_LANGUAGE"]
    settings.window_hours = config["LIGAT_WHATSAPP_WINDOW_HOURS"]
    settings.expiry_minutes = config["LIGAT_WHATSAPP_EXPIRY_MINUTES"]
    settings.rate_per_minute = config["LIGAT_WHATSAPP_RATE_PER_MINUTE"]
    settings.media_max_bytes = config["LIGAT_VIDEO_MAX_BYTES"]
    settings.verify_token = config["LIGAT_WHATSAPP_VERIFY_TOKEN"]
    settings.app_secret = config["LIGAT_WHATSAPP_APP_SECRET"]
    from .standin import APPROVED_TEMPLATES, BASE_URL, ThreadedWSGITransport

    APPROVED_TEMPLATES.update({settings.template_status, settings.template_message, settings.template_letter})

    if settings.standin:
        settings.api_url, settings.transport = BASE_URL, ThreadedWSGITransport(app=app)
        # The stand-in signs with a secret derived from this installation's key unless one is set.
        settings.app_secret = settings.app_secret or hmac.new(
            config["SECRET_KEY"].encode(), b"ligat-whatsapp-standin", hashlib.sha256).hexdigest()
    else:
        settings.api_url, settings.transport = config["LIGAT_WHATSAPP_API_URL"], None
    sms.SETTINGS.token = config["LIGAT_SMS_TOKEN"]
    if sms.SETTINGS.token:
        sms.SETTINGS.api_url, sms.SETTINGS.transport = config["LIGAT_SMS_API_URL"], None
    elif settings.standin:
        sms.SETTINGS.api_url, sms.SETTINGS.transport = BASE_URL + "/sms", ThreadedWSGITransport(app=app)
    else:
        # A real WhatsApp account but no SMS gateway: the stand-in is off with WhatsApp's (it keeps what
        # it gets in memory, nobody would receive it), so SMS is off and each SMS says why on the case.
        sms.SETTINGS.api_url, sms.SETTINGS.transport = "", None
        logging.getLogger(__name__).warning(
            "SMS tidak aktif: LIGAT_SMS_API_URL/LIGAT_SMS_TOKEN belum diatur (no SMS gateway configured)")
    notifications.CHANNELS["whatsapp"] = WhatsAppChannel
    notifications.CHANNELS["sms"] = SmsChannel
    if inbound.consent_route not in notifications.ROUTES:
        notifications.ROUTES.append(inbound.consent_route)
    if inbound.relay not in notifications.RELAYS:
        notifications.RELAYS.append(inbound.relay)
    if step_reads.READS not in notifications.CASE_READS:
        notifications.CASE_READS.append(step_reads.READS)


def register(app: Flask, appbuilder: Any) -> None:
    from ..extensions import csrf
    from .panel import WhatsAppCaseView, case_whatsapp
    from .simulator import simulator
    from .standin import standin
    from .webhook import webhook

    configure(app)
    # Meta and the stand-in sign their posts (X-Hub-Signature-256); they carry no CSRF token.
    csrf.exempt(webhook)
    csrf.exempt(standin)
    app.register_blueprint(webhook)
    app.register_blueprint(standin)
    app.register_blueprint(simulator)
    appbuilder.add_view_no_menu(WhatsAppCaseView)
    app.jinja_env.globals["case_whatsapp"] = case_whatsapp
