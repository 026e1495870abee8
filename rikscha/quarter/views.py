"""Quarter pages for coordinators and caretakers: areas, tasks, rounds, checklists, work logs."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from rikscha.auth.models import User
from rikscha.auth.roles import Role, roles_required
from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.forms import ActionForm, valid_data
from rikscha.i18n import format_day
from rikscha.messages import error_message, message_for
from rikscha.page_helpers import translated, url_before_id
from rikscha.quarter import bp, labels, rounds
from rikscha.quarter.forms import (
    AreaForm,
    ChecklistForm,
    RoundForm,
    TaskActionForm,
    TaskFilterForm,
    TaskForm,
    WorkLogForm,
    int_or_none,
)
from rikscha.quarter.models import Area, Round, Task, WorkLog
from rikscha.quarter.photos import PhotoBatch, send_photo
from rikscha.quarter.qr import qr_svg
from rikscha.quarter.rounds import PRESETS, generate_all, rounds_list, save_round
from rikscha.quarter.rules import allowed_actions, parse_checklist
from rikscha.quarter.services import (
    TaskFilter,
    areas,
    can_see_task,
    change_status,
    create_task,
    is_coordinator,
    list_tasks,
    log_work,
    my_tasks,
    save_area,
    set_checklist,
    update_task,
    worklogs_of,
)
from rikscha.uploads import MAX_PHOTO_BYTES, PhotoRejected

STAFF = (Role.COORDINATOR, Role.CARETAKER)
# Three phone photos of up to 5 MB each do not fit the app-wide request limit.
WORKLOG_MAX_BYTES = 3 * MAX_PHOTO_BYTES + 1024 * 1024


@bp.url_value_preprocessor
def _allow_three_photos(endpoint, _values):
    # URL preprocessors run before every before_request hook, so this also applies when the
    # CSRF check reads the body.
    if endpoint == "quarter.task_worklog":
        request.max_content_length = WORKLOG_MAX_BYTES


@bp.app_context_processor
def _quarter_globals():
    # The start pages (home blueprint) include the quarter's parts and call these when they do.
    return {
        "quarter_labels": labels,
        "quarter_my_tasks": lambda: my_tasks_context(current_user),
    }


def local_today() -> date:
    return rounds.local_today(utcnow())


def apply_error(form, error: DomainError, fallback: str) -> None:
    """The domain error's German message on its form field (or on `fallback`)."""
    text = error_message(error)
    field = getattr(form, error.field or "", None) or getattr(form, fallback)
    field.errors = [*field.errors, text]


def _task_values(form) -> dict:
    return {
        "area": db.get_or_404(Area, int_or_none(form.area_id.data) or 0),
        "title": form.title.data,
        "description": form.description.data or "",
        "category": form.category.data,
        "priority": form.priority.data,
        "due_date": form.due_date.data,
        "assignee_ids": [int(i) for i in form.assignees.data or []],
        "checklist": parse_checklist(form.checklist.data),
    }


def visible_task_or_404(task_id: int, *, lock: bool = False) -> Task:
    """The task if the current user may see it (404 otherwise, as if it did not exist).

    `lock` holds the row until commit (PostgreSQL), so two people pressing "Erledigt" at once
    are handled one after the other.
    """
    task = db.session.get(Task, task_id, with_for_update={"of": Task} if lock else None)
    if task is None or not can_see_task(current_user, task):
        abort(404)
    return task


def my_tasks_context(user) -> dict:
    """What the caretaker's start page ("Meine Aufgaben") shows.

    Besides the tasks, what their cards share, worked out once rather than per card: the status
    labels translated, each due date formatted (as the `date` filter does), the link before the
    task's id.
    """
    today = local_today()
    sections = my_tasks(user, today=today)
    counts = {key: sum(len(group.items) for group in groups) for key, groups in sections.items()}
    due_dates = {task.due_date for groups in sections.values() for group in groups for task in group.items}
    due_dates.discard(None)
    return {
        "sections": sections,
        "counts": counts,
        "today": today,
        "status_labels": translated(labels.TASK_STATUS_LABELS),
        "due_labels": {day: format_day(day, "EEE, d. MMM") for day in due_dates},
        "task_url": url_before_id("quarter.task_detail", "task_id"),
    }


# --- areas ---------------------------------------------------------------------------------------


@bp.route("/reviere")
@roles_required(Role.COORDINATOR)
def areas_index():
    return render_template("quarter/areas.html", areas=areas())


@bp.route("/reviere/neu", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def area_new():
    return _area_form(None)


@bp.route("/reviere/<int:area_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def area_edit(area_id: int):
    return _area_form(db.get_or_404(Area, area_id))


def _area_form(area: Area | None):
    form = AreaForm(obj=area) if request.method == "GET" and area else AreaForm()
    if request.method == "GET" and area:
        form.caretakers.data = [str(p.id) for p in area.caretakers]
    if form.validate_on_submit():
        try:
            area = save_area(
                area,
                by=current_user,
                name=form.name.data,
                kind=form.kind.data,
                description=form.description.data or "",
                location=form.location.data or "",
                latitude=form.latitude.data,
                longitude=form.longitude.data,
                caretaker_ids=[int(i) for i in form.caretakers.data or []],
                active=form.active.data,
            )
        except DomainError as error:
            apply_error(form, error, "name")
        else:
            db.session.commit()
            flash(_("Das Revier „%(name)s“ ist gespeichert.", name=area.name), "success")
            return redirect(url_for("quarter.areas_index"))
    return render_template("quarter/area_form.html", form=form, area=area)


@bp.route("/reviere/<int:area_id>/aushang")
@roles_required(*STAFF)
def area_poster(area_id: int):
    area = db.get_or_404(Area, area_id)
    report_url = url_for("quarter.report_new", revier=area.id, _external=True)
    return render_template("quarter/area_poster.html", area=area, report_url=report_url)


@bp.route("/reviere/<int:area_id>/qr.svg")
@roles_required(*STAFF)
def area_qr(area_id: int):
    area = db.get_or_404(Area, area_id)
    svg = qr_svg(
        url_for("quarter.report_new", revier=area.id, _external=True),
        title=_("QR-Code: Meldung für %(name)s", name=area.name),
    )
    return (
        svg,
        200,
        {"Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "private, max-age=3600"},
    )


# --- tasks (office) ------------------------------------------------------------------------------


@bp.route("/aufgaben")
@roles_required(Role.COORDINATOR)
def tasks_index():
    search = TaskFilterForm(request.args)
    search.validate()  # a filter the form refuses (it says why) is not applied
    filters = TaskFilter(
        area_id=int_or_none(valid_data(search.area)),
        caretaker_id=int_or_none(valid_data(search.caretaker)),
        status=valid_data(search.status) or "active",
        overdue=bool(search.overdue.data),
    )
    today = local_today()
    tasks = list_tasks(current_user, filters, today=today)
    return render_template("quarter/tasks.html", search=search, tasks=tasks, today=today)


@bp.route("/aufgaben/neu", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def task_new():
    form = TaskForm(area_id=request.args.get("revier", ""))
    if form.validate_on_submit():
        try:
            task = create_task(by=current_user, now=utcnow(), **_task_values(form))
        except DomainError as error:
            apply_error(form, error, "title")
        else:
            db.session.commit()
            flash(_("Die Aufgabe ist angelegt."), "success")
            return redirect(url_for("quarter.task_detail", task_id=task.id))
    return render_template("quarter/task_form.html", form=form, task=None)


@bp.route("/aufgaben/<int:task_id>/bearbeiten", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def task_edit(task_id: int):
    task = db.get_or_404(Task, task_id)
    form = TaskForm(obj=task) if request.method == "GET" else TaskForm()
    if request.method == "GET":
        form.area_id.data = str(task.area_id)
        form.assignees.data = [str(p.id) for p in task.assignees]
        form.checklist.data = "\n".join(item.text for item in task.checklist)
    if form.validate_on_submit():
        try:
            update_task(task, by=current_user, **_task_values(form))
        except DomainError as error:
            apply_error(form, error, "title")
        else:
            db.session.commit()
            flash(_("Änderungen gespeichert."), "success")
            return redirect(url_for("quarter.task_detail", task_id=task.id))
    return render_template("quarter/task_form.html", form=form, task=task)


# --- one task (office and caretakers) ------------------------------------------------------------


def _render_task(task: Task, *, checklist_form=None, worklog_form=None, status: int = 200):
    return render_template(
        "quarter/task_detail.html",
        task=task,
        today=local_today(),
        worklogs=worklogs_of(task),
        actions=allowed_actions(task.status, coordinator=is_coordinator(current_user)),
        status_form=TaskActionForm(formdata=None),
        checklist_form=checklist_form or _checklist_form(task),
        done_by=db.session.get(User, task.done_by_id) if task.done_by_id else None,
        worklog_form=worklog_form or WorkLogForm(formdata=None),
        office=is_coordinator(current_user),
    ), status


def _checklist_form(task: Task) -> ChecklistForm:
    form = ChecklistForm(formdata=None, task=task)
    form.items.data = [str(item.id) for item in task.checklist if item.done]
    return form


@bp.route("/aufgaben/<int:task_id>")
@roles_required(*STAFF)
def task_detail(task_id: int):
    return _render_task(visible_task_or_404(task_id))


@bp.post("/aufgaben/<int:task_id>/status")
@roles_required(*STAFF)
def task_status(task_id: int):
    task = visible_task_or_404(task_id, lock=True)
    form = TaskActionForm()
    if form.validate_on_submit() and (action := form.chosen_action()):
        try:
            change_status(task, action, by=current_user, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(message_for(error.code), "error")
        else:
            db.session.commit()
            flash(_("Status: %(status)s", status=labels.TASK_STATUS_LABELS[task.status]), "success")
    return redirect(url_for("quarter.task_detail", task_id=task_id))


@bp.post("/aufgaben/<int:task_id>/checkliste")
@roles_required(*STAFF)
def task_checklist(task_id: int):
    task = visible_task_or_404(task_id)
    form = ChecklistForm(task=task)
    if form.validate_on_submit():
        try:
            set_checklist(task, [int(i) for i in form.items.data or []], by=current_user, now=utcnow())
        except DomainError as error:
            apply_error(form, error, "items")
        else:
            db.session.commit()
            flash(_("Checkliste gespeichert."), "success")
            return redirect(url_for("quarter.task_detail", task_id=task_id, _anchor="checkliste"))
    return _render_task(task, checklist_form=form)


@bp.post("/aufgaben/<int:task_id>/nachweis")
@roles_required(*STAFF)
def task_worklog(task_id: int):
    task = visible_task_or_404(task_id)
    form = WorkLogForm()
    if form.validate_on_submit():
        try:
            with PhotoBatch() as batch:
                log_work(
                    task,
                    by=current_user,
                    now=utcnow(),
                    minutes=form.minutes.data,
                    note=form.note.data or "",
                    photos=batch.store_all(form.photos.data),
                )
                db.session.commit()
        except PhotoRejected as error:
            db.session.rollback()
            form.photos.errors = [*form.photos.errors, message_for(error.code)]
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error, "minutes")
        else:
            flash(_("Ihre Arbeit ist eingetragen."), "success")
            return redirect(url_for("quarter.task_detail", task_id=task_id, _anchor="nachweise"))
    return _render_task(task, worklog_form=form)


@bp.route("/aufgaben/<int:task_id>/foto")
@roles_required(*STAFF)
def task_photo(task_id: int):
    return send_photo(visible_task_or_404(task_id).photo)


@bp.route("/nachweise/<int:worklog_id>/fotos/<int:index>")
@roles_required(*STAFF)
def worklog_photo(worklog_id: int, index: int):
    worklog = db.get_or_404(WorkLog, worklog_id)
    if not can_see_task(current_user, worklog.task) or index >= len(worklog.photos or []):
        abort(404)
    return send_photo(worklog.photos[index])


# --- rounds --------------------------------------------------------------------------------------


@bp.route("/runden")
@roles_required(Role.COORDINATOR)
def rounds_index():
    return render_template(
        "quarter/rounds.html", rounds=rounds_list(), presets=PRESETS, generate_form=ActionForm()
    )


@bp.route("/runden/neu", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def round_new():
    form = RoundForm()
    if request.method == "GET":
        _apply_preset(form, PRESETS.get(request.args.get("vorlage", "")))
        form.area_id.data = request.args.get("revier", "")
    return _round_form(form, None)


@bp.route("/runden/<int:round_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def round_edit(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = RoundForm(obj=round_) if request.method == "GET" else RoundForm()
    if request.method == "GET":
        form.area_id.data, form.month.data = str(round_.area_id), str(round_.month or "")
        form.weekdays.data = [str(d) for d in round_.weekdays or []]
        form.assignees.data = [str(p.id) for p in round_.assignees]
        form.checklist.data = "\n".join(round_.checklist or [])
    return _round_form(form, round_)


def _apply_preset(form: RoundForm, preset) -> None:
    form.anchor.data = local_today()
    if preset is None:
        return
    form.title.data, form.description.data = str(preset.title), str(preset.description)
    form.category.data, form.freq.data = preset.category, preset.freq
    form.weekdays.data = [str(d) for d in preset.weekdays]
    form.month_day.data, form.month.data = preset.month_day, str(preset.month or "")
    form.checklist.data = "\n".join(str(item) for item in preset.checklist)


def _round_form(form: RoundForm, round_: Round | None):
    if form.validate_on_submit():
        try:
            round_ = save_round(
                round_,
                by=current_user,
                today=local_today(),
                area=db.get_or_404(Area, int_or_none(form.area_id.data) or 0),
                title=form.title.data,
                description=form.description.data or "",
                category=form.category.data,
                priority=form.priority.data,
                freq=form.freq.data,
                interval=form.interval.data,
                weekdays=[int(d) for d in form.weekdays.data or []],
                month_day=form.month_day.data,
                month=int_or_none(form.month.data),
                anchor=form.anchor.data,
                checklist=parse_checklist(form.checklist.data),
                assignee_ids=[int(i) for i in form.assignees.data or []],
                active=form.active.data,
            )
        except DomainError as error:
            apply_error(form, error, "title")
        else:
            db.session.commit()
            flash(
                _("Die Runde ist gespeichert; ihre Aufgaben für die nächsten vier Wochen stehen bereit."),
                "success",
            )
            return redirect(url_for("quarter.rounds_index"))
    return render_template("quarter/round_form.html", form=form, round=round_)


@bp.post("/runden/erzeugen")
@roles_required(Role.COORDINATOR)
def rounds_generate():
    if ActionForm().validate_on_submit():
        count, created = generate_all(today=local_today())
        db.session.commit()
        flash(
            _("%(count)s Runden geprüft, %(created)s neue Aufgaben angelegt.", count=count, created=created),
            "success",
        )
    return redirect(url_for("quarter.rounds_index"))


from rikscha.quarter import views_reports  # noqa: E402,F401
