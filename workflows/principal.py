"""Who is acting: the engine layer's view of a logged-in user (no Flask here)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Role names are the lane names in bpmn/ and the role names in the web app.
OPERATOR = "Operator Dinsos"
FIELD_OFFICER = "Petugas Lapangan"
HEAD_OF_BIDANG = "Kepala Bidang"
HEAD_OF_OFFICE = "Kepala Dinas"
KELURAHAN_OFFICER = "Petugas Kelurahan"
AUDITOR = "Auditor"
DESIGNER = "Perancang Proses"
ADMIN = "Admin"
ADOPTION_TEAM = "Tim PIPA"  # Tim Pertimbangan Izin Pengangkatan Anak: reviews COTA cases
# External applicants (an LKS, prospective adoptive parents) have no account: tasks in lane "Pemohon" are in
# nobody's inbox and are completed through a single-use link (workflows/applicant_links.py).
APPLICANT = "Pemohon"

WORK_ROLES = (OPERATOR, FIELD_OFFICER, HEAD_OF_BIDANG, HEAD_OF_OFFICE, KELURAHAN_OFFICER, ADOPTION_TEAM)
READ_ALL_ROLES = frozenset({AUDITOR, ADMIN, HEAD_OF_OFFICE})


@dataclass(frozen=True)
class Principal:
    """A person acting on cases.

    region_code None means office-wide; otherwise the person sees cases whose
    region code starts with it (Kemendagri codes nest: 91.71 ⊃ 91.71.01 ⊃ ...).
    bidang None means every bidang.
    """

    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    region_code: str | None = None
    bidang: str | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def reads_everything(self) -> bool:
        return bool(self.roles & READ_ALL_ROLES)

    @property
    def can_work(self) -> bool:
        return bool(self.roles & set(WORK_ROLES))

    def in_region(self, region_code: str | None) -> bool:
        if self.region_code is None:
            return True
        return bool(region_code) and (
            region_code == self.region_code or region_code.startswith(self.region_code + ".")
        )

    def in_bidang(self, bidang: str | None) -> bool:
        return self.bidang is None or bidang is None or bidang == self.bidang


SYSTEM = Principal("sistem", frozenset())
CITIZEN = Principal("warga", frozenset())
