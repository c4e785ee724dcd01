"""Versions and drafts as JSON (the API's answers, the pages' data attributes)."""

from __future__ import annotations

from typing import Any

from workflows.packages.drafts import PackageDraft, VersionInfo


def versions_json(versions: list[VersionInfo]) -> list[dict[str, Any]]:
    return [{"version": v.package.version, "content_hash": v.package.content_hash,
             "deployed_at": v.package.deployed_at.isoformat() + "Z", "deployed_by": v.package.deployed_by,
             "cases": v.cases, "running": v.running, "latest": v.latest} for v in versions]


def draft_json(draft: PackageDraft) -> dict[str, Any]:
    files = draft.files()
    return {"code": draft.code, "base_version": draft.base_version, "author": draft.author,
            "created_at": draft.created_at.isoformat() + "Z", "updated_at": draft.updated_at.isoformat() + "Z",
            "updated_by": draft.updated_by,
            "files": [{"path": path, "size": len(data)} for path, data in sorted(files.files.items())]}
