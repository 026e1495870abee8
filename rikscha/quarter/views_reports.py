"""Problem reports: the public form, the reporter's status page, the office's triage."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from rikscha.auth.models import User
from rikscha.auth.roles import Role, public, roles_required
from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db, limiter
from rikscha.forms import choices, valid_data
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import message_for, register_messages
from rikscha.quarter import bp
from rikscha.quarter.forms import (
    ContactReportForm,
    MergeForm,
    PublicReportForm,
    ReportFilterForm,
    ReportForm,
    ReportTaskForm,
    RespondForm,
    choice_values,
    int_or_none,
)
from rikscha.quarter.labels import REPORT_CATEGORY_LABELS
from rikscha.quarter.models import Area, ProblemReport, ReportStatus
from rikscha.quarter.photos import PhotoBatch, send_photo
from rikscha.quarter.reports import (
    can_see_report,
    duplicates_of,
    find_by_secret,
    list_reports,
    merge_report,
    report_to_task,
    reports_of,
    respond_to_report,
    submit_report,
    task_ids_by_report,
    tasks_of,
)
from rikscha.quarter.services import is_coordinator
from rikscha.quarter.spam import form_token_problem, issue_form_token
from rikscha.quarter.views import _task_values, apply_error, local_today
from rikscha.uploads import PhotoRejected

# Anonymous submissions per address; logged-in people are known and not limited here.
REPORT_RATE_LIMIT = "5 per minute;30 per hour"

register_messages(
    {
        "form_too_fast": _l(
            "Das ging sehr schnell. Bitte prüfen Sie Ihre Angaben und senden Sie das Formular noch einmal."
        ),
        "form_token_missing": _l("Das Formular ist abgelaufen. Bitte senden Sie es noch einmal."),
        "form_token_invalid": _l("Das Formular ist abgelaufen. Bitte senden Sie es noch einmal."),
        "form_token_expired": _l("Das Formular ist abgelaufen. Bitte senden Sie es noch einmal."),
        "honeypot": _l("Ihre Meldung konnte nicht angenommen werden. Bitte rufen Sie uns an."),
    }
)


def _signed_in() -> bool:
    return current_user.is_authenticated


def _report_form_class(user):
    if not user.is_authenticated:
        return PublicReportForm
    return ContactReportForm if is_coordinator(user) else ReportForm


def _who(user) -> dict:
    """Reporter, audit actor and channel: the office on the phone reports for a caller."""
    if not user.is_authenticated:
        return {"reporter": None, "actor": None, "via": "web"}
    if is_coordinator(user):
        return {"reporter": None, "actor": user, "via": "phone"}
    return {"reporter": user, "actor": user, "via": "caretaker" if user.has_role(Role.CARETAKER) else "web"}


def _receipt(report: ProblemReport, secret: str):
    if is_coordinator(current_user):
        flash(_("Die Meldung Nr. %(id)s ist eingetragen.", id=report.id), "success")
        return redirect(url_for("quarter.report_detail", report_id=report.id))
    if current_user.is_authenticated:
        return redirect(url_for("quarter.my_report", report_id=report.id, eingang=1))
    return redirect(url_for("quarter.report_status", secret=secret, eingang=1))


def _spam_problem(form) -> str | None:
    if not isinstance(form, PublicReportForm):
        return None
    if form.website.data:
        return "honeypot"
    return form_token_problem(current_app.secret_key, form.started.data, utcnow())


def _report_values(form) -> dict:
    values = {
        "area": db.session.get(Area, int_or_none(form.area_id.data) or 0),
        "location": form.location.data or "",
        "category": form.category.data,
        "text": form.text.data,
    }
    if isinstance(form, ContactReportForm):
        values.update(
            contact_name=form.contact_name.data or "",
            contact_phone=form.contact_phone.data or "",
            contact_email=form.contact_email.data or "",
        )
    return values


@bp.route("/melden", methods=["GET", "POST"])
@limiter.limit(REPORT_RATE_LIMIT, methods=["POST"], exempt_when=_signed_in)
@public
def report_new():
    form = _report_form_class(current_user)()
    area_id = request.args.get("revier", "")
    if request.method == "GET" and area_id and area_id in choice_values(form.area_id):
        form.area_id.data = area_id
    if form.validate_on_submit():
        if problem := _spam_problem(form):
            form.text.errors = [*form.text.errors, message_for(problem)]
        else:
            try:
                with PhotoBatch() as batch:
                    report, secret = submit_report(
                        photo=batch.store(form.photo.data),
                        now=utcnow(),
                        **_who(current_user),
                        **_report_values(form),
                    )
                    db.session.commit()
            except PhotoRejected as error:
                db.session.rollback()
                form.photo.errors = [*form.photo.errors, message_for(error.code)]
            except DomainError as error:
                db.session.rollback()
                apply_error(form, error, "text")
            else:
                return _receipt(report, secret)
    if isinstance(form, PublicReportForm):
        form.started.data = issue_form_token(current_app.secret_key, utcnow())
    return render_template("quarter/report_form.html", form=form)


def _render_status(report: ProblemReport, *, photo_url: str | None, status_link: str | None):
    original = db.session.get(ProblemReport, report.duplicate_of_id) if report.duplicate_of_id else None
    return render_template(
        "quarter/report_status.html",
        report=report,
        original=original,
        photo_url=photo_url,
        status_link=status_link,
        received=bool(request.args.get("eingang")),
        steps=[s.value for s in ReportStatus],
        category_labels=REPORT_CATEGORY_LABELS,
    )


@bp.route("/meldung/<secret>")
@public
def report_status(secret: str):
    report = find_by_secret(secret)
    if report is None:
        abort(404)
    photo_url = url_for("quarter.report_status_photo", secret=secret) if report.photo else None
    return _render_status(
        report,
        photo_url=photo_url,
        status_link=url_for("quarter.report_status", secret=secret, _external=True),
    )


@bp.route("/meldung/<secret>/foto")
@public
def report_status_photo(secret: str):
    report = find_by_secret(secret)
    if report is None:
        abort(404)
    return send_photo(report.photo)


@bp.route("/meine-meldungen")
@roles_required()
def my_reports():
    return render_template("quarter/my_reports.html", reports=reports_of(current_user))


@bp.route("/meine-meldungen/<int:report_id>")
@roles_required()
def my_report(report_id: int):
    report = db.get_or_404(ProblemReport, report_id)
    if report.reporter_id != current_user.id:
        abort(404)
    photo_url = url_for("quarter.report_photo", report_id=report.id) if report.photo else None
    return _render_status(report, photo_url=photo_url, status_link=None)


@bp.route("/meldungen/<int:report_id>/foto")
@roles_required()
def report_photo(report_id: int):
    report = db.get_or_404(ProblemReport, report_id)
    if not can_see_report(current_user, report):
        abort(404)
    return send_photo(report.photo)


# --- triage (office) -----------------------------------------------------------------------------


@bp.route("/meldungen")
@roles_required(Role.COORDINATOR)
def reports_index():
    search = ReportFilterForm(request.args)
    search.validate()  # a status the form refuses (it says why) is not applied
    reports = list_reports(status=valid_data(search.status) or "open")
    return render_template(
        "quarter/reports.html",
        search=search,
        reports=reports,
        task_ids=task_ids_by_report([r.id for r in reports]),
    )


def _merge_form(report: ProblemReport, *, bound: bool) -> MergeForm:
    form = MergeForm() if bound else MergeForm(formdata=None)
    candidates = [
        r for r in list_reports(status="all", limit=100) if r.id != report.id and r.duplicate_of_id is None
    ]
    form.original.choices = choices(
        [("", _("Bitte wählen"))]
        + [(str(r.id), _("Nr. %(id)s: %(text)s", id=r.id, text=r.text[:60])) for r in candidates]
    )
    return form


def _render_report(report: ProblemReport, *, merge_form=None, respond_form=None):
    respond_form = respond_form or RespondForm(formdata=None, message=report.office_message)
    return render_template(
        "quarter/report_detail.html",
        report=report,
        tasks=tasks_of(report),
        duplicates=duplicates_of(report),
        original=db.session.get(ProblemReport, report.duplicate_of_id) if report.duplicate_of_id else None,
        merge_form=merge_form or _merge_form(report, bound=False),
        respond_form=respond_form,
        reporter=db.session.get(User, report.reporter_id) if report.reporter_id else None,
    )


@bp.route("/meldungen/<int:report_id>")
@roles_required(Role.COORDINATOR)
def report_detail(report_id: int):
    return _render_report(db.get_or_404(ProblemReport, report_id))


@bp.route("/meldungen/<int:report_id>/auftrag", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def report_task(report_id: int):
    report = db.get_or_404(ProblemReport, report_id)
    form = ReportTaskForm()
    if request.method == "GET":
        form.area_id.data = str(report.area_id or "")
        form.title.data = report.text.splitlines()[0][:80] if report.text else ""
        form.description.data, form.category.data = report.text, report.category
        form.due_date.data = local_today()
    if form.validate_on_submit():
        try:
            task = report_to_task(
                report, by=current_user, now=utcnow(), message=form.message.data or "", **_task_values(form)
            )
        except DomainError as error:
            apply_error(form, error, "title")
        else:
            db.session.commit()
            flash(_("Aus der Meldung ist ein Auftrag geworden."), "success")
            return redirect(url_for("quarter.task_detail", task_id=task.id))
    return render_template("quarter/report_task.html", form=form, report=report)


@bp.post("/meldungen/<int:report_id>/duplikat")
@roles_required(Role.COORDINATOR)
def report_merge(report_id: int):
    report = db.get_or_404(ProblemReport, report_id)
    form = _merge_form(report, bound=True)
    if form.validate_on_submit():
        original = db.get_or_404(ProblemReport, int_or_none(form.original.data) or 0)
        try:
            merge_report(
                report, original, by=current_user, now=utcnow(), message=form.merge_message.data or ""
            )
        except DomainError as error:
            apply_error(form, error, "original")
        else:
            db.session.commit()
            flash(_("Die Meldung ist als Duplikat markiert."), "success")
            return redirect(url_for("quarter.report_detail", report_id=report.id))
    return _render_report(report, merge_form=form)


@bp.post("/meldungen/<int:report_id>/antwort")
@roles_required(Role.COORDINATOR)
def report_respond(report_id: int):
    report = db.get_or_404(ProblemReport, report_id)
    form = RespondForm()
    if form.validate_on_submit():
        try:
            respond_to_report(
                report,
                by=current_user,
                now=utcnow(),
                message=form.message.data or "",
                close=bool(form.close.data),
            )
        except DomainError as error:
            apply_error(form, error, "message")
        else:
            db.session.commit()
            flash(
                _("Die Meldung ist abgeschlossen.")
                if form.close.data
                else _("Die Nachricht ist gespeichert."),
                "success",
            )
            return redirect(url_for("quarter.report_detail", report_id=report.id))
    return _render_report(report, respond_form=form)
