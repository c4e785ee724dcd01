"""Readable names for what the audit trail records: actions, the engine's own data keys, the kinds of
file downloaded. The Indonesian text is the msgid; the English is in the catalogue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "case_started": _l("Kasus dimulai"),
    "task_created": _l("Tugas dibuat"),
    "task_claimed": _l("Tugas diambil"),
    "task_released": _l("Tugas dilepas"),
    "task_completed": _l("Tugas diselesaikan"),
    "task_cancelled": _l("Tugas dibatalkan"),
    "status_changed": _l("Status berubah"),
    "escalated": _l("Dieskalasi"),
    "sla_paused": _l("Tenggat layanan dihentikan sementara"),
    "sla_resumed": _l("Tenggat layanan berjalan lagi"),
    "timer_fired": _l("Pengingat waktu berjalan"),
    "message_delivered": _l("Pesan diteruskan ke proses"),
    "letter_issued": _l("Surat diterbitkan"),
    "letter_revoked": _l("Surat dicabut"),
    "media_attached": _l("Foto/video laporan dilampirkan"),
    "resubmission_link_sent": _l("Tautan perbaikan dikirim"),
    "case_completed": _l("Kasus selesai"),
}
# Events that change what the case is: highlighted on the timeline.
STATUS_ACTIONS = {"case_started", "status_changed", "escalated", "letter_issued", "letter_revoked", "case_completed"}

# Keys the engine itself writes into event data (form fields get their labels from the form schema).
ENGINE_KEYS = {
    "status": _l("Status"),
    "catatan": _l("Catatan"),
    "alasan": _l("Alasan"),
    "tenggat": _l("Tenggat"),
    "peran": _l("Peran"),
    "bidang": _l("Bidang"),
    "untuk": _l("Ditugaskan kepada"),
    "nomor": _l("Nomor surat"),
    "jenis": _l("Jenis surat"),
    "sha256": _l("Sidik SHA-256"),
    "timer": _l("Pengingat"),
    "pesan": _l("Pesan"),
    "proses": _l("Proses"),
    "versi": _l("Versi"),
    "kontak_pelapor": _l("Kontak pelapor"),
    "berlaku_sampai": _l("Berlaku sampai"),
    "surat_id": _l("Surat"),
}

# Values the engine itself writes into an event's data (workflows/cases.py), read in the page's language.
ENGINE_VALUES = {
    "kontak_pelapor": {"tidak ada": _l("tidak ada"), "disimpan": _l("disimpan")},
}

FILE_KINDS = {
    "document": _l("Dokumen"),
    "letter": _l("Surat"),
    "media": _l("Foto/video laporan"),
    "history": _l("Riwayat kasus (PDF)"),
    "letter_preview": _l("Pratinjau surat (tugas)"),
}


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action.replace("_", " ")
