"""Who is acting: the engine layer's view of a logged-in user (no Flask here)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Office roles every district office has (the web app's permissions and demo users name them). A service
# package declares the roles its lanes use, these or its own, each with its scope (see `covers`).
OPERATOR = "Operator Dinsos"
FIELD_OFFICER = "Petugas Lapangan"
HEAD_OF_BIDANG = "Kepala Bidang"
HEAD_OF_OFFICE = "Kepala Dinas"
KELURAHAN_OFFICER = "Petugas Kelurahan"
AUDITOR = "Auditor"
DESIGNER = "Perancang Proses"
ADMIN = "Admin"

READ_ALL_ROLES = frozenset({AUDITOR, ADMIN, HEAD_OF_OFFICE})

# Scopes a package gives a role (service.json → roles[].scope).
OFFICE, REGION, BIDANG, REGION_BIDANG, CITIZEN_SCOPE = "office", "region", "bidang", "region_bidang", "citizen"


@dataclass(frozen=True)
class Principal:
    """A person acting on cases.

    `scopes` holds (role, scope) for this person's roles as the deployed packages declare them
    (workflows.visibility.principal builds it from the database). region_code: the person's
    region (Kemendagri codes nest: 91.71 ⊃ 91.71.01 ⊃ ...); bidang: their bidang. A role
    scoped to region or bidang covers nothing for a person without one: fail closed.
    `case_id` is set for an applicant acting through a single-use link: they act on that case only.
    """

    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    region_code: str | None = None
    bidang: str | None = None
    scopes: tuple[tuple[str, str], ...] = ()
    case_id: int | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def reads_everything(self) -> bool:
        return bool(self.roles & READ_ALL_ROLES)

    @property
    def can_work(self) -> bool:
        """Holds a role that some service line gives work to (not a citizen's role)."""
        return any(role in self.roles and scope != CITIZEN_SCOPE for role, scope in self.scopes)

    @property
    def may_be_named(self) -> bool:
        """Can a diagram's candidateUsers / assignee reach this person? Only an officer's account: not an
        applicant's link, nor the anonymous, citizen or system principals (names a diagram could also write)."""
        return self.case_id is None and bool(self.roles) and bool(self.username)

    def scope_of(self, role: str) -> str | None:
        return next((scope for name, scope in self.scopes if name == role), None)

    def in_region(self, region_code: str | None) -> bool:
        if self.region_code is None:
            return True
        return bool(region_code) and (
            region_code == self.region_code or region_code.startswith(self.region_code + ".")
        )

    def in_bidang(self, bidang: str | None) -> bool:
        return self.bidang is None or bidang is None or bidang == self.bidang

    def holds_scope(self, role: str) -> bool:
        """Does this person have what `role`'s scope asks for (a region, a bidang)? Without it the role
        reaches no case, so it may not start one either."""
        scope = self.scope_of(role) if role in self.roles else None
        if scope is None or scope == CITIZEN_SCOPE:
            return False
        if scope in (REGION, REGION_BIDANG) and not self.region_code:
            return False
        return not (scope in (BIDANG, REGION_BIDANG) and not self.bidang)

    def covers(self, role: str, region_code: str | None, bidang: str | None, case_id: int | None = None) -> bool:
        """Does this person's `role` reach a case (or task) of that region and bidang?"""
        if role not in self.roles:
            return False
        scope = self.scope_of(role)
        if scope is None:
            return False
        if scope == CITIZEN_SCOPE:
            return self.case_id is not None and self.case_id == case_id
        if scope in (REGION, REGION_BIDANG) and not (self.region_code and self.in_region(region_code)):
            return False
        if scope in (BIDANG, REGION_BIDANG) and not (self.bidang and bidang == self.bidang):
            return False
        return True


SYSTEM = Principal("sistem", frozenset())
CITIZEN = Principal("warga", frozenset())
