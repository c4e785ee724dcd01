"""WhatsApp channel, without Flask.

    models.py        conversation state, inbound queue, case links and threads, consent
    wire.py          Cloud API wire format: webhook signature, parsing updates, message bodies
    cloud.py         the adapter that sends and fetches media (pywa's GraphAPI), outbox channels
    conversation.py  the auto-reply menu and the report / status / services / officer talk flows
    inbound.py       store webhook updates (deduplicated, rate-limited) and the queue worker
    sms.py           SMS fallback adapter (documented HTTP wire format)

The web side (webhook route, local stand-in, simulator, officer panel) is in app/whatsapp/.
"""
