"""Texts the portal's scripts write into the page (portal.js, report.js), in the page's language.
A page hands them over as JSON data blocks (base.html: every page's, report.html: the report
form's), so the scripts carry no Indonesian of their own and a page cached for offline use keeps
the language it was shown in."""

from __future__ import annotations

from flask_babel import lazy_gettext

PAGE_TEXTS = {
    "tracking_code": lazy_gettext("kode lacak"),
    "track": lazy_gettext("Lacak"),
    "queued_count": lazy_gettext("%(n)s laporan tersimpan, akan dikirim otomatis saat ada sinyal."),
    "not_sent": lazy_gettext("Laporan tidak dapat dikirim:"),
    "discard": lazy_gettext("Hapus"),
    "sent_now": lazy_gettext("Laporan yang tersimpan sudah terkirim. Simpan nomor tiket dan kode lacak:"),
}
REPORT_TEXTS = {
    "gps_unsupported": lazy_gettext("HP ini tidak mendukung GPS di peramban. Isi alamat atau patokan."),
    "gps_searching": lazy_gettext("Mencari lokasi…"),
    "gps_found": lazy_gettext("Lokasi ditemukan (akurasi ±%(n)s m). Geser penanda bila kurang tepat."),
    "gps_denied": lazy_gettext("Izin lokasi ditolak. Tulis alamat atau patokan, atau ketuk peta."),
    "gps_failed": lazy_gettext("Lokasi belum ditemukan. Coba di tempat terbuka, atau tulis alamatnya."),
    "max_photos": lazy_gettext("Paling banyak %(n)s foto."),
    "photo_or_video": lazy_gettext("Kirim foto atau satu video, tidak keduanya."),
    "kept_on_phone": lazy_gettext("Laporan tersimpan di HP ini dan akan dikirim otomatis saat ada sinyal."),
    "not_saved": lazy_gettext("Laporan belum tersimpan:"),
    "sending": lazy_gettext("Mengirim…"),
    "send": lazy_gettext("Kirim Laporan"),
}


GROUPS = {"page": PAGE_TEXTS, "report": REPORT_TEXTS}


def script_texts(group: str = "page") -> dict[str, str]:
    return {key: str(value) for key, value in GROUPS[group].items()}
