"""Which routes show a person's record or serve a case's file, and which access log each writes.

tests/integration/test_access_logs.py walks the URL map: a route that takes a case, task, document,
letter, media, register entry or ticket and is in neither list fails the suite, so a new page that
shows a NIK, a KK or a file cannot be added without its log (or a stated reason it needs none).
"""

from __future__ import annotations

PERSON_VIEW, FILE_ACCESS = "person_view", "file_access"

LOGGED = {
    "CaseView.show": PERSON_VIEW,
    "CaseApi.get": PERSON_VIEW,
    "InboxView.task": PERSON_VIEW,
    "BerkasView.person_of_case": PERSON_VIEW,
    "BerkasView.person_search": PERSON_VIEW,
    "ServiceStartView.export": PERSON_VIEW,
    "BerkasView.document": FILE_ACCESS,
    "BerkasView.letter": FILE_ACCESS,
    "PortalMediaView.file": FILE_ACCESS,
    "AuditView.history_pdf": FILE_ACCESS,
    "InboxView.letter_preview": FILE_ACCESS,
    "InboxApi.letter_preview": FILE_ACCESS,
}

# Routes that take such an argument but show no one's identity in full or serve no case file.
NOT_PERSONAL = {
    "CaseView.message": "POST: meneruskan pesan ke proses, tidak menampilkan data",
    "CaseApi.message": "POST: meneruskan pesan ke proses, tidak menampilkan data",
    "InboxView.complete": "POST: menyelesaikan tugas; halaman tugas (GET) yang menampilkan data",
    "InboxView.claim": "POST: mengambil tugas",
    "InboxView.release": "POST: melepas tugas",
    "InboxApi.claim": "POST: mengambil tugas",
    "InboxApi.complete": "POST: menyelesaikan tugas",
    "SuratView.revoke": "POST: mencabut surat (tercatat di rantai audit kasus)",
    "RegisterView.show": "daftar lembaga (LKS), bukan data warga",
    "portal.public_report": "pelacakan publik: status saja, tanpa NIK/KK",
    "verification.verify": "verifikasi publik: nama dan NIK disamarkan",
    "permohonan.resubmit_form": "pemohon sendiri melalui tautan rahasia; tanpa NIK/KK lengkap",
    "permohonan.resubmit": "POST: pemohon mengirim perbaikan",
    "PublicSummaryView.save": "POST: menyimpan ringkasan publik (tercatat di rantai audit kasus)",
    "portal.survey": "survei kepuasan lewat token acak: nomor tiket saja, tanpa data pribadi",
    "WhatsAppCaseView.write": "POST: menulis pesan ke warga (tercatat di rantai audit kasus)",
}

# Route arguments that name a case, a person or a file.
SENSITIVE_ARGUMENTS = {"case_id", "task_id", "document_id", "letter_id", "media_id", "entry_id", "tiket",
                       "reference", "token", "nik"}
