"""The commissioners' report pages: ``/reports/referrals`` and its CSV, for admins and
community builders. Everything shown is counted and suppressed in ``referrals/reports``;
this module parses the range, makes the one call and renders."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from assetmap.errors import ValidationError
from assetmap.models import Role
from assetmap.referrals.reports import ReferralReport, parse_range, referral_report, report_csv
from assetmap.web import report_words
from assetmap.web.auth import acting_user, roles_required
from assetmap.web.context import read_session, today
from assetmap.web.wording import CATEGORY_NAMES

reports = Blueprint("reports", __name__)
commissioners = roles_required(Role.ADMIN, Role.COMMUNITY_BUILDER)


@dataclass
class RangeForm:
    since: str
    until: str
    errors: dict[str, str] = field(default_factory=dict)

    def error_for(self, name: str) -> str | None:
        return self.errors.get(name)


@reports.get("/reports/referrals")
@commissioners
def referrals_page() -> ResponseReturnValue:
    form = RangeForm(request.args.get("since", ""), request.args.get("until", ""))
    try:
        since, until = parse_range(form.since, form.until, today())
    except ValidationError as error:
        form.errors[error.field or "since"] = error.message
        since, until = parse_range(None, None, today())
    report = referral_report(read_session(), acting_user(), since, until)
    if not form.errors:
        form.since, form.until = since.isoformat(), until.isoformat()
    return _render(form, report), (400 if form.errors else 200)


@reports.get("/reports/referrals.csv")
@commissioners
def referrals_csv() -> ResponseReturnValue:
    try:
        since, until = parse_range(request.args.get("since"), request.args.get("until"), today())
    except ValidationError as error:
        abort(Response(f"{error.message}\n", status=400, mimetype="text/plain"))
    report = referral_report(read_session(), acting_user(), since, until)
    return Response(
        report_csv(report, {str(k): v for k, v in CATEGORY_NAMES.items()}),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="referrals-{since}-to-{until}.csv"'},
    )


def _render(form: RangeForm, report: ReferralReport) -> str:
    return render_template(
        "reports/referrals.html",
        form=form,
        report=report,
        words=report_words,
        category_names={str(k): v for k, v in CATEGORY_NAMES.items()},
    )
