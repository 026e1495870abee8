"""Report pages: the funders' report with charts and CSV, and the volunteer hours statement."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from rikscha.auth.roles import Role, roles_required
from rikscha.database import utcnow
from rikscha.i18n import current_locale_name
from rikscha.reports import bp
from rikscha.reports.cache import kept_report
from rikscha.reports.forms import PeriodForm, VolunteerForm
from rikscha.reports.periods import Period, last_complete_month
from rikscha.reports.queries import Report, build_report, volunteer_months, volunteers
from rikscha.reports.tables import Section, csv_text, period_label, sections, volunteer_csv_text
from rikscha.rides.settings import office_zone

office_only = roles_required(Role.COORDINATOR)


def _bind(form_class, **kwargs):
    """The period form from the query string, or preset to the last complete month on a first visit."""
    if not request.args:
        today = utcnow().astimezone(office_zone()).date()
        return form_class(formdata=None, data=form_class.defaults(last_complete_month(today)), **kwargs)
    return form_class(request.args, **kwargs)


@dataclass
class _Shown:
    """A report as the page and the CSV show it, in one language; a closed period's is kept (see
    rikscha.reports.cache), and with it the sections' HTML once a page has rendered them."""

    report: Report
    sections: list[Section]
    html: Markup | None = None

    def sections_html(self) -> Markup:
        if self.html is None:  # two threads may both render it: the same HTML either way
            self.html = Markup(render_template("reports/_sections.html", sections=self.sections))
        return self.html


def _report(period: Period) -> _Shown:
    zone = office_zone()

    def build() -> _Shown:
        report = build_report(period, zone)
        return _Shown(report, sections(report))

    return kept_report(period, zone, current_locale_name(), utcnow(), build)


@bp.route("/")
@office_only
def index():
    form = _bind(PeriodForm)
    if not form.validate():
        return render_template("reports/index.html", form=form, report=None), 422
    shown = _report(form.period())
    return render_template(
        "reports/index.html",
        form=form,
        report=shown.report,
        label=period_label(shown.report.period),
        sections_html=shown.sections_html(),
        query={name: value for name, value in form.data.items() if value not in (None, "")},
    )


@bp.route("/bericht.csv")
@office_only
def export_csv():
    form = _bind(PeriodForm)
    if not form.validate():
        return Response(_("Der Zeitraum ist ungültig."), status=422, mimetype="text/plain")
    period = form.period()
    body = csv_text(_report(period).sections, period_label(period)).encode("utf-8-sig")
    name = f"rikscha-bericht-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _volunteer_request():
    """The statement asked for in the query string: (form, person, period); person None if not (validly) asked."""
    people = volunteers()
    form = _bind(VolunteerForm, people=people)
    if not request.args or not form.validate():
        return form, None, None
    return form, next(p for p in people if p.id == form.person.data), form.period()


@bp.route("/ehrenamt")
@office_only
def volunteer():
    form, person, period = _volunteer_request()
    office = current_app.config["RIKSCHA_OFFICE_NAME"]
    if person is None:
        status = 422 if request.args else 200
        return render_template("reports/volunteer.html", form=form, person=None, office=office), status
    return render_template(
        "reports/volunteer.html",
        form=form,
        office=office,
        person=person,
        label=period_label(period),
        months=volunteer_months(person.id, period, office_zone()),
        today=utcnow(),
        query={name: value for name, value in form.data.items() if value not in (None, "")},
    )


@bp.route("/ehrenamt.csv")
@office_only
def volunteer_csv():
    _form, person, period = _volunteer_request()
    if person is None:
        return Response(
            _("Bitte wählen Sie eine Person und einen gültigen Zeitraum."), status=422, mimetype="text/plain"
        )
    months = volunteer_months(person.id, period, office_zone())
    body = volunteer_csv_text(person.name, months).encode("utf-8-sig")
    # The person's number, not the name, in the file name: names make poor (and telling) file names.
    name = f"rikscha-ehrenamt-{person.id}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
