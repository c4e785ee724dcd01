"""After a case closes: the citizen's satisfaction survey (workflows/satisfaction.py) and, where the
line allows it, reopening the case with a reason (workflows/cases.py reopen_case)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, redirect, render_template, request, url_for

from workflows import satisfaction
from workflows.cases import reopen_case, reopen_deadline
from workflows.db import Case, utcnow
from workflows.errors import FormInvalid, LigatError, NotFound

from ..extensions import db
from ..ratelimit import limiter, setting
from .views import find_case, portal


def reopen_until(case: Case) -> datetime | None:
    """Until when the citizen may reopen this closed case (None: not reopenable)."""
    until = reopen_deadline(db.session, case)
    return until if until is not None and utcnow() <= until else None


def after_closing(case: Case) -> dict[str, Any]:
    """What the tracking page offers once a case is closed: the survey link and the reopen form. Reads
    only: the invitation was made when the case closed (a GET changes nothing)."""
    if not case.completed:
        return {}
    invitation = satisfaction.invitation_of(db.session, case.id)
    return {"survey_url": url_for("portal.survey", token=invitation.token) if invitation else None,
            "survey_done": satisfaction.answered(db.session, case.id), "reopen_until": reopen_until(case)}


@portal.route("/survei/<token>", methods=["GET", "POST"])
@limiter.limit(setting("LIGAT_RATELIMIT_LOOKUP"))
def survey(token: str):  # noqa: ANN201
    try:
        _invitation, case = satisfaction.find_invitation(db.session, token)
    except NotFound:
        abort(404)
    error, values = None, {}
    if request.method == "POST":
        values = {code: request.form.get(code, "") for code in satisfaction.CODES}
        try:
            satisfaction.record_response(db.session, token, values, request.form.get("saran"))
        except LigatError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            return render_template("portal/survey.html", case=case, thanks=True)
    status = 422 if error else 200
    return render_template(
        "portal/survey.html", case=case, elements=satisfaction.ELEMENTS, error=error, values=values,
        done=satisfaction.answered(db.session, case.id), suggestion=request.form.get("saran", ""),
    ), status


@portal.post("/lacak/buka-kembali")
@limiter.limit(setting("LIGAT_RATELIMIT_REPORT"))
def reopen():  # noqa: ANN201
    """The citizen (ticket and tracking code, in the form body) reopens a closed case with a reason."""
    reference, code = request.form.get("tiket", ""), request.form.get("kode", "")
    case = find_case(reference, code)
    if case is None:
        abort(404)
    try:
        reopen_case(db.session, case.id, request.form.get("alasan", ""), "warga")
    except FormInvalid as exc:
        return _track_error(case, reference, next(iter(exc.errors.values())))
    except LigatError as exc:
        return _track_error(case, reference, str(exc))
    return redirect(url_for("portal.track", tiket=case.reference, kode=code))


def _track_error(case: Case, reference: str, message: str):  # noqa: ANN202
    from .views import track_page

    db.session.rollback()
    return track_page(db.session.get(Case, case.id), tiket=reference, reopen_error=message), 422
