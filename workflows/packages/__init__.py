"""Service packages: a service line as data (diagrams, forms, letters, descriptor), deployed as
one version. See `files` (where files come from), `descriptor` (service.json), `checks`
(everything checked before a deploy) and `store` (versions in the database, deploy).
"""

from .descriptor import Descriptor, LetterType, RoleDecl, text
from .files import PackageFiles, bundled_codes, from_archive, from_directories
from .store import (
    DeployResult,
    PackageHead,
    PackageRole,
    ServicePackage,
    declared_scopes,
    deploy_package,
    files_of,
    form_of,
    keep_newest_package_id,
    latest_heads,
    latest_package,
    latest_packages,
    newest_package_id,
    newest_package_id_select,
    package_of_case,
    package_of_definition,
)

__all__ = [
    "DeployResult", "Descriptor", "LetterType", "PackageFiles", "PackageHead", "PackageRole", "RoleDecl",
    "ServicePackage", "bundled_codes", "declared_scopes", "deploy_package", "files_of", "form_of",
    "from_archive", "from_directories", "keep_newest_package_id", "latest_heads", "latest_package",
    "latest_packages", "newest_package_id", "newest_package_id_select", "package_of_case",
    "package_of_definition", "text",
]
