"""The Cloud API wire format without a server: signatures, parsing, list limits, typed tickets."""

from __future__ import annotations

from workflows.whatsapp import wire
from workflows.whatsapp.conversation import ticket_and_code


def test_signature_is_hmac_sha256_of_the_raw_body():
    body = b'{"object":"whatsapp_business_account"}'
    header = wire.sign(body, "rahasia")
    assert header.startswith("sha256=") and wire.signature_valid(body, header, "rahasia")
    assert not wire.signature_valid(body + b" ", header, "rahasia")
    assert not wire.signature_valid(body, header, "lain")
    assert not wire.signature_valid(body, None, "rahasia") and not wire.signature_valid(body, header, "")
    assert not wire.signature_valid(body, header.removeprefix("sha256="), "rahasia")


def test_parse_update_reads_messages_contacts_and_statuses_and_ignores_the_rest():
    update = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {
        "contacts": [{"wa_id": "6281234567890", "profile": {"name": "Yohana"}}],
        "messages": [{"from": "6281234567890", "id": "wamid.A", "type": "location",
                      "location": {"latitude": -2.5, "longitude": 140.7}},
                     {"id": "wamid.no-sender", "type": "text"}, "rubbish"],
        "statuses": [{"id": "wamid.B", "status": "read"}, {"status": "sent"}]}}]}]}
    messages, statuses = wire.parse_update(update)
    assert [(m.message_id, m.wa_id, m.kind, m.name) for m in messages] == [
        ("wamid.A", "6281234567890", "location", "Yohana")]
    assert [(s.message_id, s.status) for s in statuses] == [("wamid.B", "read")]
    assert wire.parse_update({"object": "page", "entry": []}) == ([], [])
    assert wire.parse_update(["not", "a", "dict"]) == ([], [])
    # Malformed parts of a signed body are skipped rather than raising (the webhook would answer 500).
    odd = {"object": "whatsapp_business_account", "entry": ["x", {"changes": "y"}, {"changes": [
        {"value": "z"}, {"value": {"contacts": ["c"], "messages": ["m"], "statuses": [
            {"id": "wamid.1", "status": "failed", "errors": ["e", {"code": 1}]}]}}]}]}
    assert wire.parse_update(odd) == ([], [wire.StatusUpdate("wamid.1", "failed", [{"code": 1}])])


def test_a_long_list_is_cut_into_sections_of_ten_with_short_titles():
    rows = [(f"kat:{i}", f"{i}. Kategori yang namanya sangat panjang sekali", "") for i in range(28)]
    body = wire.list_body("Pilih", "Pilih kategori yang sesuai", rows, "Kategori")
    sections = body["interactive"]["action"]["sections"]
    assert [len(s["rows"]) for s in sections] == [10, 10, 8]
    assert all(len(r["title"]) <= 24 for s in sections for r in s["rows"])
    assert len(body["interactive"]["action"]["button"]) <= 20


def test_ticket_and_code_are_found_in_what_people_type():
    assert ticket_and_code("ADU-2026-000123 ABCD2345") == ("ADU-2026-000123", "ABCD2345")
    assert ticket_and_code("tiket saya adu-2026-000123 kode abcd2345 tersebut") == ("ADU-2026-000123", "ABCD2345")
    assert ticket_and_code("adu-2026-000123") == ("ADU-2026-000123", "")
    assert ticket_and_code("halo") is None


def test_numbers_become_whatsapp_ids():
    assert wire.wa_id_of("+62 812-3456-7890") == wire.wa_id_of("081234567890") == "6281234567890"
