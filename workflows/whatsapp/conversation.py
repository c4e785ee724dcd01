"""The conversation with one number: the auto-reply menu and its flows, as a state machine
whose state is a database row (WaConversation), so any process may take the next message.

    menu              → 1 lapor | 2 cek | 3 layanan | 4 petugas
    lapor_kategori    PMKS category (list, or its number typed)
    lapor_uraian      what happened
    lapor_lokasi      a WhatsApp location, or a written address
    lapor_kelurahan   the kelurahan / kampung (list, or its number)
    lapor_media       photos or one short video, or "lewati"
    lapor_anonim      anonymous or not (buttons)
    lapor_nama        the reporter's name (not anonymous)
    lapor_konfirmasi  summary; "kirim" starts the case in the complaint package
    cek               ticket and tracking code → the public tracking page's status
    layanan           a service from the catalogue → its requirements
    petugas_tiket     which case to talk about (ticket and code)
    percakapan        every message lands on the case (officer panel), until MENU

Anywhere: MENU / 0 / BATAL back to the menu; BERHENTI / STOP ends notifications, MULAI / START
gives consent again. A flow left half-way for longer than the expiry setting starts over with
a polite note; a talk on a case (`percakapan`) does not expire: an officer may answer hours
later. What the office knows (catalogue, villages, starting a report, a case's status) is given
by the caller (`Office`), so this module stays free of the web app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..db import Case, utcnow
from . import wire
from .cloud import SETTINGS
from .models import WaCaseLink, WaConversation, WaThreadMessage

# Flows that hold half-given answers; the menu and a talk on a case do not expire.
EXPIRING = ("lapor_kategori", "lapor_uraian", "lapor_lokasi", "lapor_kelurahan", "lapor_media", "lapor_anonim",
            "lapor_nama", "lapor_konfirmasi", "cek", "layanan", "petugas_tiket")
STOP_WORDS = {"BERHENTI", "STOP", "UNSUBSCRIBE"}
START_WORDS = {"MULAI", "START"}
MENU_WORDS = {"MENU", "0", "BATAL", "KEMBALI"}
SKIP_WORDS = {"LEWATI", "SELESAI", "TIDAK ADA", "SKIP"}
TICKET = re.compile(r"\b[A-Z]{2,6}-\d{4}-\d{4,8}\b")
TRACKING_CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{8}\b")  # workflows.cases.TRACKING_ALPHABET, eight long


class ReportRefused(ValueError):
    """The office refused the report (its form check, a file); the text tells the citizen why."""


@dataclass
class MediaItem:
    media_id: str
    kind: str  # image, video


class Office(Protocol):
    name: str

    def categories(self) -> list[tuple[str, str]]: ...
    def villages(self) -> list[tuple[str, str]]: ...
    def services(self) -> list[dict[str, Any]]: ...
    def start_report(self, fields: dict[str, Any], media: list[MediaItem], client_key: str) -> Case: ...
    def find_case(self, reference: str, code: str) -> Case | None: ...
    def status_text(self, case: Case) -> str: ...
    def check_media(self, item: MediaItem) -> None: ...
    def deliver_answer(self, case: Case, text: str) -> bool: ...


@dataclass
class Turn:
    """What one inbound message did: the replies to send (Cloud API bodies)."""

    replies: list[dict[str, Any]] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.replies.append(wire.text_body(text))


def conversation_of(session: Session, wa_id: str) -> WaConversation:
    conversation = session.get(WaConversation, wa_id)
    if conversation is None:
        conversation = WaConversation(wa_id=wa_id, state="menu", data="{}")
        session.add(conversation)
        session.flush()
    return conversation


def _data(conversation: WaConversation) -> dict[str, Any]:
    return json.loads(conversation.data or "{}")


def _go(conversation: WaConversation, state: str, data: dict[str, Any] | None = None) -> None:
    conversation.state = state
    conversation.data = json.dumps(data or {}, ensure_ascii=False)


def _pick(reply_id: str, text: str, prefix: str, options: list[tuple[str, str]]) -> str | None:
    """The option chosen from a list reply (`prefix:code`) or typed as its number or its name."""
    if reply_id.startswith(prefix + ":"):
        code = reply_id[len(prefix) + 1:]
        return code if any(code == c for c, _ in options) else None
    typed = text.strip().rstrip(".")
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1][0]
    return next((c for c, name in options if name.lower() == typed.lower()), None)


def menu(office: Office) -> dict[str, Any]:
    rows = [("menu:lapor", "1. Laporkan masalah", "Laporkan masalah sosial (report a social problem)"),
            ("menu:cek", "2. Cek status", "Cek status laporan atau permohonan (check a status)"),
            ("menu:layanan", "3. Layanan & syarat", "Layanan dan persyaratannya (services, requirements)"),
            ("menu:petugas", "4. Bicara dgn petugas", "Bicara dengan petugas (talk to an officer)")]
    body = (f"Selamat datang di LIGAT, {office.name}. Pilih dari daftar, atau ketik angkanya "
            "(choose from the list or type its number):\n1 Laporkan masalah sosial\n2 Cek status\n"
            "3 Layanan dan persyaratan\n4 Bicara dengan petugas\n\nKetik BERHENTI untuk berhenti menerima kabar.")
    return wire.list_body(body, "Pilih menu", rows, "Menu LIGAT")


MENU_CHOICES = [("lapor", "lapor"), ("cek", "cek"), ("layanan", "layanan"), ("petugas", "petugas")]


def handle(
    session: Session, office: Office, wa_id: str, message: dict[str, Any], profile_name: str | None = None,
) -> Turn:
    """Take one inbound message (the Cloud API message object) and move the conversation on."""
    turn = Turn()
    conversation = conversation_of(session, wa_id)
    now = utcnow()
    expiry = timedelta(minutes=SETTINGS.expiry_minutes)
    quiet = conversation.last_inbound_at is not None and now - conversation.last_inbound_at > expiry
    conversation.last_inbound_at = now
    conversation.updated_at = now
    reply_id, text = wire.reply_of(message)
    word = text.strip().upper()
    if word in STOP_WORDS:
        conversation.consent, conversation.opted_out_at = False, now
        _record_consent(session, wa_id, "berhenti")
        turn.say("Anda tidak akan menerima kabar lagi dari LIGAT. Ketik MULAI bila ingin menerimanya kembali. "
                 "(You will receive no more updates; type START to resume.)")
        return turn
    if word in START_WORDS:
        conversation.consent, conversation.consent_at, conversation.opted_out_at = True, now, None
        _record_consent(session, wa_id, "mulai")
        turn.say("Terima kasih. Anda akan menerima kabar perkembangan lewat WhatsApp ini. "
                 "(You will receive updates on WhatsApp.)")
        turn.replies.append(menu(office))
        return turn
    if quiet and conversation.state in EXPIRING:
        _go(conversation, "menu")
        turn.say(f"Maaf, percakapan sebelumnya kami tutup karena tidak ada balasan selama "
                 f"{SETTINGS.expiry_minutes} menit. Silakan mulai lagi dari menu. "
                 "(Your earlier conversation expired; please start again.)")
        turn.replies.append(menu(office))
        return turn
    if word in MENU_WORDS or conversation.state not in STATES:
        _go(conversation, "menu")
        turn.replies.append(menu(office))
        return turn
    STATES[conversation.state](Context(session, office, conversation, turn, message, reply_id, text, profile_name))
    return turn


@dataclass
class Context:
    session: Session
    office: Office
    conversation: WaConversation
    turn: Turn
    message: dict[str, Any]
    reply_id: str
    text: str
    profile_name: str | None

    @property
    def data(self) -> dict[str, Any]:
        return _data(self.conversation)

    def go(self, state: str, data: dict[str, Any] | None = None) -> None:
        _go(self.conversation, state, data)

    def say(self, text: str) -> None:
        self.turn.say(text)


def _record_consent(session: Session, wa_id: str, choice: str) -> None:
    """Consent is part of each linked case's history (the audit chain), not only a flag."""
    for link in session.scalars(select(WaCaseLink).where(WaCaseLink.wa_id == wa_id)):
        audit.append(session, link.case_id, "whatsapp", "whatsapp_consent", {"pilihan": choice})


# -- menu ------------------------------------------------------------------------------------------

def _menu(ctx: Context) -> None:
    choice = _pick(ctx.reply_id, ctx.text, "menu", MENU_CHOICES)
    if choice == "lapor":
        _ask_category(ctx)
    elif choice == "cek":
        ctx.go("cek")
        ctx.say("Ketik nomor tiket dan kode lacak Anda, contoh: ADU-2026-000123 ABCD2345 "
                "(type your ticket and tracking code).")
    elif choice == "layanan":
        _ask_service(ctx)
    elif choice == "petugas":
        _start_talk(ctx)
    else:
        ctx.turn.replies.append(menu(ctx.office))


# -- report a problem -----------------------------------------------------------------------------

def _numbered(options: list[tuple[str, str]], prefix: str) -> list[tuple[str, str, str]]:
    return [(f"{prefix}:{code}", f"{i}. {name}", name if len(f"{i}. {name}") > wire.ROW_TITLE else "")
            for i, (code, name) in enumerate(options, start=1)]


def _ask_category(ctx: Context) -> None:
    ctx.go("lapor_kategori")
    ctx.turn.replies.append(wire.list_body(
        "Laporkan masalah sosial. Pilih kategori PMKS, atau ketik nomornya. (Choose the category.)",
        "Pilih kategori", _numbered(ctx.office.categories(), "kat"), "Kategori"))


def _category(ctx: Context) -> None:
    code = _pick(ctx.reply_id, ctx.text, "kat", ctx.office.categories())
    if code is None:
        ctx.say("Kategori tidak dikenal; pilih dari daftar atau ketik nomornya. (Unknown category.)")
        return
    ctx.go("lapor_uraian", {"kategori": code})
    ctx.say("Ceritakan apa yang terjadi (paling sedikit 10 huruf). (Describe what happened.)")


def _description(ctx: Context) -> None:
    text = ctx.text.strip() if ctx.message.get("type") == "text" else ""
    if len(text) < 10:
        ctx.say("Uraian terlalu pendek; tulis paling sedikit 10 huruf. (At least 10 characters.)")
        return
    ctx.go("lapor_lokasi", ctx.data | {"deskripsi": text[:4000]})
    ctx.say("Di mana kejadiannya? Kirim lokasi (📎 → Lokasi) atau tulis alamat/patokan. "
            "(Send a location or write the address.)")


def _location(ctx: Context) -> None:
    data = ctx.data
    if ctx.message.get("type") == "location":
        where = ctx.message.get("location") or {}
        try:
            lat, lon = float(where["latitude"]), float(where["longitude"])
        except (KeyError, TypeError, ValueError):
            ctx.say("Lokasi tidak terbaca; kirim lagi atau tulis alamatnya. (Location unreadable.)")
            return
        data |= {"lintang": lat, "bujur": lon,
                 "lokasi": " · ".join(str(v) for v in (where.get("name"), where.get("address")) if v)
                 or f"Titik peta {lat:.5f}, {lon:.5f}"}
    elif ctx.message.get("type") == "text" and len(ctx.text.strip()) >= 5:
        data["lokasi"] = ctx.text.strip()[:500]
    else:
        ctx.say("Kirim lokasi, atau tulis alamat paling sedikit 5 huruf. (Send a location or an address.)")
        return
    ctx.go("lapor_kelurahan", data)
    ctx.turn.replies.append(wire.list_body(
        "Di kelurahan / kampung mana? Pilih dari daftar atau ketik nomornya. (Which village?)",
        "Pilih kelurahan", _numbered(ctx.office.villages(), "kel"), "Kelurahan"))


def _village(ctx: Context) -> None:
    code = _pick(ctx.reply_id, ctx.text, "kel", ctx.office.villages())
    if code is None:
        ctx.say("Kelurahan tidak dikenal; pilih dari daftar atau ketik nomornya. (Unknown village.)")
        return
    ctx.go("lapor_media", ctx.data | {"kode_wilayah": code, "media": []})
    ctx.say("Kirim foto (paling banyak 5) atau satu video pendek bila ada. Ketik LEWATI bila tidak ada, "
            "atau SELESAI setelah mengirim. (Send photos or a short video, or type SKIP.)")


def _media(ctx: Context) -> None:
    data = ctx.data
    kind = ctx.message.get("type")
    if kind in ("image", "video"):
        item = MediaItem(str((ctx.message.get(kind) or {}).get("id") or ""), kind)
        items = [MediaItem(**m) for m in data.get("media", [])]
        if kind == "video" and items or kind == "image" and any(m.kind == "video" for m in items):
            ctx.say("Kirim foto atau satu video, tidak keduanya. (Photos or one video, not both.)")
            return
        if kind == "image" and len(items) >= 5:
            ctx.say("Paling banyak 5 foto. Ketik SELESAI untuk lanjut. (At most 5 photos.)")
            return
        try:
            ctx.office.check_media(item)
        except ReportRefused as exc:
            ctx.say(str(exc))
            return
        data["media"] = [m.__dict__ for m in items] + [item.__dict__]
        ctx.go("lapor_media", data)
        ctx.say(f"Diterima ({len(data['media'])}). Kirim lagi atau ketik SELESAI. (Received; send more or type DONE.)")
        return
    if kind in ("document", "audio", "sticker"):
        ctx.say("Hanya foto (JPEG/PNG/WebP) atau video (MP4/3GP) yang diterima. (Only photos or a video.)")
        return
    if ctx.text.strip().upper() in SKIP_WORDS or ctx.text.strip().upper() == "DONE":
        ctx.go("lapor_anonim", data)
        ctx.turn.replies.append(wire.buttons_body(
            "Kirim tanpa nama (anonim)? Nomor Anda tidak pernah ditampilkan kepada petugas bila anonim. "
            "(Report anonymously?)", [("anon:ya", "Ya, anonim"), ("anon:tidak", "Tidak, pakai nama")]))
        return
    ctx.say("Kirim foto/video, atau ketik LEWATI / SELESAI. (Send media, or type SKIP / DONE.)")


def _anonymous(ctx: Context) -> None:
    choice = _pick(ctx.reply_id, ctx.text, "anon", [("ya", "ya"), ("tidak", "tidak")])
    if choice is None:
        ctx.say("Pilih Ya atau Tidak. (Choose yes or no.)")
        return
    data = ctx.data | {"anonim": choice == "ya"}
    if choice == "ya":
        _confirm(ctx, data)
        return
    ctx.go("lapor_nama", data)
    hint = f" Ketik 1 untuk memakai nama \"{ctx.profile_name[:60]}\"." if ctx.profile_name else ""
    ctx.say("Tulis nama Anda." + hint + " (Your name.)")


def _name(ctx: Context) -> None:
    text = ctx.text.strip()
    data = ctx.data
    if text == "1" and ctx.profile_name:
        text = ctx.profile_name
    if not (2 <= len(text) <= 200):
        ctx.say("Tulis nama Anda (2–200 huruf). (Your name.)")
        return
    _confirm(ctx, data | {"nama": text})


def _confirm(ctx: Context, data: dict[str, Any]) -> None:
    ctx.go("lapor_konfirmasi", data)
    names = dict(ctx.office.categories())
    villages = dict(ctx.office.villages())
    lines = [
        "Periksa laporan Anda (check your report):",
        f"Kategori: {names.get(data['kategori'], data['kategori'])}",
        f"Uraian: {data['deskripsi'][:300]}",
        f"Lokasi: {data['lokasi'][:200]}" + (" (titik peta)" if data.get("lintang") is not None else ""),
        f"Kelurahan: {villages.get(data['kode_wilayah'], data['kode_wilayah'])}",
        f"Lampiran: {len(data.get('media') or [])}",
        "Pelapor: anonim" if data.get("anonim") else f"Pelapor: {data.get('nama')}",
        "",
        "Dengan mengirim, Anda setuju menerima kabar perkembangan lewat WhatsApp ini (ketik BERHENTI untuk "
        "berhenti)." + (" Laporan anonim: petugas tidak melihat nama dan nomor Anda." if data.get("anonim") else ""),
    ]
    ctx.turn.replies.append(wire.buttons_body("\n".join(lines), [("konfirmasi:kirim", "Kirim"),
                                                                  ("konfirmasi:batal", "Batal")]))


def _confirmation(ctx: Context) -> None:
    choice = _pick(ctx.reply_id, ctx.text, "konfirmasi", [("kirim", "kirim"), ("batal", "batal")])
    if choice == "batal":
        ctx.go("menu")
        ctx.say("Laporan dibatalkan. (Report cancelled.)")
        ctx.turn.replies.append(menu(ctx.office))
        return
    if choice != "kirim":
        ctx.say("Pilih Kirim atau Batal. (Choose send or cancel.)")
        return
    data = ctx.data
    anonymous = bool(data.get("anonim"))
    fields = {k: data[k] for k in ("kategori", "deskripsi", "lokasi", "kode_wilayah", "lintang", "bujur", "nama")
              if data.get(k) is not None}
    fields["anonim"] = anonymous
    if not anonymous:
        fields["telepon"] = "+" + ctx.conversation.wa_id
    media = [MediaItem(**m) for m in data.get("media") or []]
    message_id = str(ctx.message.get("id") or "")
    try:
        case = ctx.office.start_report(fields, media, "wa-" + message_id[-60:])
    except ReportRefused as exc:
        ctx.say(str(exc))
        return
    session = ctx.session
    if session.get(WaCaseLink, case.id) is None:
        session.add(WaCaseLink(case_id=case.id, wa_id=ctx.conversation.wa_id, anonymous=anonymous))
    now = utcnow()
    ctx.conversation.consent, ctx.conversation.consent_at, ctx.conversation.opted_out_at = True, now, None
    audit.append(session, case.id, "whatsapp", "whatsapp_consent", {"pilihan": "lapor"})
    ctx.go("menu")
    ctx.say(f"Laporan Anda diterima. Nomor tiket: {case.reference}. Kode lacak: {case.tracking_code}. "
            "Simpan keduanya untuk cek status (menu 2). (Report received: keep your ticket and tracking code.)")


# -- status, services, officer -----------------------------------------------------------------------

def ticket_and_code(text: str) -> tuple[str, str] | None:
    """The ticket and the tracking code anywhere in what was typed ("tiket ADU-2026-000123 kode …")."""
    text = text.upper()
    ticket = TICKET.search(text)
    if ticket is None:
        return None
    words = TRACKING_CODE.findall(text[:ticket.start()] + " " + text[ticket.end():])
    # An eight-letter word ("TERSEBUT") fits the alphabet too: a code with a digit first, else the last.
    codes = [w for w in words if any(ch.isdigit() for ch in w)] or words
    return ticket.group(0), codes[-1] if codes else ""


def _case_typed(ctx: Context) -> Case | None:
    found = ticket_and_code(ctx.text)
    return ctx.office.find_case(*found) if found else None


def _check(ctx: Context) -> None:
    case = _case_typed(ctx)
    if case is None:
        ctx.say("Tiket atau kode lacak tidak cocok. Ketik keduanya, contoh: ADU-2026-000123 ABCD2345, "
                "atau MENU. (Ticket or tracking code not found.)")
        return
    ctx.go("menu")
    ctx.say(ctx.office.status_text(case))


def _ask_service(ctx: Context) -> None:
    ctx.go("layanan")
    services = [(s["kode"], s["nama"]) for s in ctx.office.services()]
    ctx.turn.replies.append(wire.list_body("Layanan Dinas Sosial. Pilih untuk melihat persyaratannya, atau ketik "
                                           "nomornya. (Choose a service to see its requirements.)",
                                           "Pilih layanan", _numbered(services, "svc"), "Layanan"))


def _service(ctx: Context) -> None:
    services = ctx.office.services()
    code = _pick(ctx.reply_id, ctx.text, "svc", [(s["kode"], s["nama"]) for s in services])
    service = next((s for s in services if s["kode"] == code), None)
    if service is None:
        ctx.say("Layanan tidak dikenal; pilih dari daftar atau ketik MENU. (Unknown service.)")
        return
    lines = [f"{service['nama']}", ""]
    if service.get("ringkasan"):
        lines += [service["ringkasan"], ""]
    lines.append("Persyaratan (requirements):")
    lines += [f"• {item}" for item in service.get("persyaratan") or ["-"]]
    if service.get("waktu"):
        lines += ["", f"Waktu: {service['waktu']}"]
    ctx.go("menu")
    ctx.say("\n".join(lines))


def _open_case_of(session: Session, wa_id: str) -> Case | None:
    return session.scalar(select(Case).join(WaCaseLink, WaCaseLink.case_id == Case.id)
                          .where(WaCaseLink.wa_id == wa_id, Case.completed.is_(False))
                          .order_by(Case.id.desc()).limit(1))


def _start_talk(ctx: Context) -> None:
    case = _open_case_of(ctx.session, ctx.conversation.wa_id)
    if case is not None:
        _talk_about(ctx, case)
        return
    ctx.go("petugas_tiket")
    ctx.say("Tentang laporan atau permohonan mana? Ketik nomor tiket dan kode lacak, contoh: "
            "ADU-2026-000123 ABCD2345. Belum punya? Ketik MENU lalu 1 untuk melapor. (Which case?)")


def _talk_ticket(ctx: Context) -> None:
    case = _case_typed(ctx)
    if case is None:
        ctx.say("Tiket atau kode lacak tidak cocok, atau ketik MENU. (Ticket or tracking code not found.)")
        return
    if ctx.session.get(WaCaseLink, case.id) is None:
        # Knowing the ticket and its code is what the public tracking page asks too.
        ctx.session.add(WaCaseLink(case_id=case.id, wa_id=ctx.conversation.wa_id, anonymous=case.anonymous))
    _talk_about(ctx, case)


def talk_about(conversation: WaConversation, case_id: int) -> None:
    """The conversation now carries the citizen's words to this case's officers (and its process)."""
    _go(conversation, "percakapan")
    conversation.case_id = case_id


def _talk_about(ctx: Context, case: Case) -> None:
    talk_about(ctx.conversation, case.id)
    ctx.say(f"Tulis pesan Anda untuk petugas tentang {case.reference}; balasan petugas datang di sini. "
            "Ketik MENU untuk kembali. (Write to the officer; type MENU to go back.)")


def _talk(ctx: Context) -> None:
    case = ctx.session.get(Case, ctx.conversation.case_id) if ctx.conversation.case_id else None
    if case is None:
        ctx.go("menu")
        ctx.turn.replies.append(menu(ctx.office))
        return
    if ctx.message.get("type") not in ("text", "interactive"):
        ctx.say("Untuk saat ini hanya pesan teks yang diteruskan ke petugas. (Only text is forwarded.)")
        return
    body = ctx.text.strip()[:4000]
    # The process first: delivering commits its own step, then the thread records the message.
    delivered = ctx.office.deliver_answer(case, body)
    record_inbound(ctx.session, case, body)
    ctx.say(f"Pesan diteruskan ke petugas ({case.reference})" + (" dan dicatat pada proses" if delivered else "")
            + ". (Forwarded to the officer.)")


def record_inbound(session: Session, case: Case, body: str) -> WaThreadMessage:
    item = WaThreadMessage(case_id=case.id, direction="in", author="warga", body=body)
    session.add(item)
    session.flush()
    audit.append(session, case.id, "whatsapp", "whatsapp_received", {"pesan": item.id})
    return item


StateHandler = Callable[[Context], None]
STATES: dict[str, StateHandler] = {
    "menu": _menu,
    "lapor_kategori": _category,
    "lapor_uraian": _description,
    "lapor_lokasi": _location,
    "lapor_kelurahan": _village,
    "lapor_media": _media,
    "lapor_anonim": _anonymous,
    "lapor_nama": _name,
    "lapor_konfirmasi": _confirmation,
    "cek": _check,
    "layanan": _service,
    "petugas_tiket": _talk_ticket,
    "percakapan": _talk,
}
