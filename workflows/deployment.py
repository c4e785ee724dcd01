"""BPMN file → versioned process definition.

Deploying the same content again returns the existing version; changed content
becomes the next version. Running cases keep the version they started on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms

from .db import ProcessDefinition
from .errors import DeployError
from .parsing import parse_bpmn
from .serialization import spec_to_json


def content_hash(bpmn: bytes, dmn_files: dict[str, bytes]) -> str:
    digest = hashlib.sha256(bpmn)
    for name in sorted(dmn_files):
        digest.update(name.encode() + b"\0" + dmn_files[name])
    return digest.hexdigest()


def latest_definition(session: Session, process_id: str) -> ProcessDefinition | None:
    return session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()


def _check_forms(task_meta: dict[str, dict]) -> None:
    for task_id, info in task_meta.items():
        for key in ("form", "ui_form"):
            if info.get(key) and not forms.exists(info[key]):
                raise DeployError(
                    f"Tugas '{info['title']}' ({task_id}) memakai formulir '{info[key]}' yang tidak ada di forms/."
                )


def deploy(
    session: Session,
    bpmn: bytes,
    dmn_files: dict[str, bytes] | None = None,
    source_name: str = "process.bpmn",
    actor: str = "sistem",
) -> list[ProcessDefinition]:
    """Parse and store; raises DeployError (and stores nothing) when the file is refused."""
    dmn_files = dmn_files or {}
    parsed = parse_bpmn(bpmn, dmn_files, source_name)
    digest = content_hash(bpmn, dmn_files)
    result = []
    for process in parsed:
        _check_forms(process.task_meta)
        existing = session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.process_id == process.process_id,
                ProcessDefinition.content_hash == digest,
            )
        ).first()
        if existing:
            result.append(existing)
            continue
        current = session.scalar(
            select(func.max(ProcessDefinition.version)).where(ProcessDefinition.process_id == process.process_id)
        )
        definition = ProcessDefinition(
            process_id=process.process_id,
            name=process.name,
            version=(current or 0) + 1,
            content_hash=digest,
            source_name=source_name,
            bpmn_xml=bpmn.decode("utf-8"),
            dmn_json=json.dumps({k: v.decode("utf-8") for k, v in dmn_files.items()}),
            spec_json=spec_to_json(process.spec, process.subprocess_specs, process.dialect),
            meta_json=json.dumps({"process": process.process_meta, "tasks": process.task_meta}),
            deployed_by=actor,
        )
        session.add(definition)
        result.append(definition)
    session.commit()
    return result


def deploy_directory(session: Session, directory: Path, actor: str = "sistem") -> list[ProcessDefinition]:
    """Deploy every .bpmn file of a folder; all .dmn files of the folder are available to each."""
    dmn_files = {p.name: p.read_bytes() for p in sorted(directory.glob("*.dmn"))}
    deployed = []
    for path in sorted(directory.glob("*.bpmn")):
        deployed += deploy(session, path.read_bytes(), dmn_files, path.name, actor)
    return deployed
