"""Where reports were made, for the dashboard's map: the portal's coordinates of the cases the viewer may
see, never a confidential case (as on the public map, app/open311 and app/portal), and an anonymous
reporter's point coarsened to about a kilometre (it may be where they live)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.dashboard.filters import Filters, visible_cases
from workflows.db import Case
from workflows.principal import Principal

from ..portal.models import PortalReport

MAX_POINTS = 5000
COARSE_DIGITS = 2  # 0.01° ≈ 1.1 km


def report_points(session: Session, principal: Principal, filters: Filters) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Case.id, Case.reference, Case.category, Case.anonymous, PortalReport.latitude, PortalReport.longitude)
        .join(PortalReport, PortalReport.case_id == Case.id)
        .where(*visible_cases(session, principal, filters), filters.in_period(Case.created_at),
               Case.confidential.is_(False), PortalReport.latitude.is_not(None), PortalReport.longitude.is_not(None))
        .order_by(Case.id.desc()).limit(MAX_POINTS)
    ).all()
    points = []
    for case_id, reference, category, anonymous, lat, lon in rows:
        if anonymous:
            lat, lon = round(lat, COARSE_DIGITS), round(lon, COARSE_DIGITS)
        points.append({"id": case_id, "nomor": reference, "kategori": category, "anonim": bool(anonymous),
                       "lat": lat, "lon": lon})
    return points
