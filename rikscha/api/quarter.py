"""API: areas, tasks with work logs, and residents' problem reports."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from rikscha.api.errors import error_response, form_error_response
from rikscha.api.input import bind, json_body
from rikscha.api.registry import api_route
from rikscha.auth.roles import Role
from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db, limiter
from rikscha.messages import error_message
from rikscha.quarter.forms import (
    ApiReportForm,
    ApiReportTaskForm,
    ApiTaskForm,
    AreaForm,
    WorkLogForm,
    int_or_none,
)
from rikscha.quarter.models import Area, ProblemReport, Task
from rikscha.quarter.photos import PhotoBatch
from rikscha.quarter.reports import (
    can_see_report,
    find_by_secret,
    report_to_task,
    submit_report,
    tasks_of,
)
from rikscha.quarter.rules import action_for, parse_checklist
from rikscha.quarter.services import (
    TaskFilter,
    areas,
    change_status,
    create_task,
    is_coordinator,
    list_tasks,
    log_work,
    save_area,
    update_task,
    worklogs_of,
)
from rikscha.quarter.views import WORKLOG_MAX_BYTES, local_today, visible_task_or_404
from rikscha.quarter.views_reports import REPORT_RATE_LIMIT
from rikscha.uploads import PhotoRejected

STAFF = (Role.COORDINATOR, Role.CARETAKER)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _person(user) -> dict:
    return {"id": user.id, "name": user.name}


def area_json(area: Area, *, staff: bool) -> dict:
    data = {
        "id": area.id,
        "name": area.name,
        "kind": area.kind,
        "description": area.description,
        "location": area.location,
        "latitude": area.latitude,
        "longitude": area.longitude,
        "active": area.active,
        "report_url": url_for("quarter.report_new", revier=area.id, _external=True),
    }
    if staff:
        data["caretakers"] = [_person(p) for p in area.caretakers]
    return data


def task_json(task: Task, *, today, details: bool = False) -> dict:
    data = {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "category": task.category,
        "priority": task.priority,
        "status": task.status,
        "due_date": _iso(task.due_date),
        "overdue": bool(task.due_date and task.due_date < today and task.status in ("open", "in_progress")),
        "area": {"id": task.area.id, "name": task.area.name},
        "assignees": [_person(p) for p in task.assignees],
        "round_id": task.round_id,
        "occurrence": _iso(task.occurrence),
        "report_id": task.report_id,
        "has_photo": task.photo is not None,
        "created_at": _iso(task.created_at),
        "started_at": _iso(task.started_at),
        "done_at": _iso(task.done_at),
        "done_by_id": task.done_by_id,
        "checklist": [{"id": i.id, "text": i.text, "done": i.done} for i in task.checklist],
    }
    if details:
        data["worklogs"] = [worklog_json(log) for log in worklogs_of(task)]
    return data


def worklog_json(log) -> dict:
    return {
        "id": log.id,
        "task_id": log.task_id,
        "user_id": log.user_id,
        "logged_at": _iso(log.logged_at),
        "minutes": log.minutes,
        "note": log.note,
        "photo_count": len(log.photos or []),
    }


def report_json(report: ProblemReport, *, office: bool) -> dict:
    data = {
        "id": report.id,
        "status": report.status,
        "category": report.category,
        "text": report.text,
        "area": {"id": report.area.id, "name": report.area.name} if report.area else None,
        "location": report.location,
        "office_message": report.office_message,
        "has_photo": report.photo is not None,
        "duplicate_of_id": report.duplicate_of_id,
        "created_at": _iso(report.created_at),
        "closed_at": _iso(report.closed_at),
    }
    if office:  # contact data: coordinators only
        data.update(
            contact={
                "name": report.contact_name,
                "phone": report.contact_phone,
                "email": report.contact_email,
            },
            reporter_id=report.reporter_id,
            created_via=report.created_via,
            task_ids=[t.id for t in tasks_of(report)],
        )
    return data


def _domain_error(error: DomainError):
    return error_response(
        error.status,
        error.code,
        error_message(error),
        **({"field": error.field} if error.field else {}),
    )


def _task_values(form) -> dict:
    area = db.session.get(Area, int_or_none(form.area_id.data) or 0)
    if area is None:
        abort(404)
    return {
        "area": area,
        "title": form.title.data,
        "description": form.description.data or "",
        "category": form.category.data,
        "priority": form.priority.data,
        "due_date": form.due_date.data,
        "assignee_ids": [int(i) for i in form.assignees.data or []],
        "checklist": parse_checklist(form.checklist.data),
    }


# --- areas ---------------------------------------------------------------------------------------


@api_route(
    "/areas",
    "GET",
    summary="Areas of the quarter (public: they are public places; caretakers only for staff)",
    roles=None,
    tag="quarter",
    query=(("active", "boolean", "Only areas that are looked after"),),
    responses={200: {"areas": "array"}},
)
def areas_list():
    staff = current_user.is_authenticated and current_user.has_any_role(*STAFF)
    active_only = request.args.get("active", "").lower() in ("1", "true", "yes")
    return jsonify({"areas": [area_json(a, staff=staff) for a in areas(active_only=active_only)]})


@api_route(
    "/areas",
    "POST",
    summary="Create an area",
    roles=(Role.COORDINATOR,),
    form=AreaForm,
    tag="quarter",
    responses={201: {"id": "integer", "name": "string", "kind": "string"}},
)
def areas_create():
    data = json_body()
    data.setdefault("active", True)
    form = bind(AreaForm, data)
    if not form.validate():
        return form_error_response(form)
    try:
        area = save_area(
            None,
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
        return _domain_error(error)
    db.session.commit()
    return jsonify(area_json(area, staff=True)), 201


# --- tasks ---------------------------------------------------------------------------------------


@api_route(
    "/tasks",
    "GET",
    summary="Tasks (caretakers: theirs and their areas')",
    roles=STAFF,
    tag="quarter",
    query=(
        ("area_id", "integer", "Only this area"),
        ("caretaker_id", "integer", "Only this caretaker's"),
        ("status", "string", "active (default), open, in_progress, done, cancelled or all"),
        ("overdue", "boolean", "Only overdue tasks"),
    ),
    responses={200: {"tasks": "array"}},
)
def tasks_list():
    status = request.args.get("status", "active")
    if status not in ("active", "open", "in_progress", "done", "cancelled", "all"):
        return error_response(422, "invalid_status")
    ids = {name: request.args.get(name, "").strip() for name in ("area_id", "caretaker_id")}
    for name, text in ids.items():
        if text and not int_or_none(text):
            return error_response(422, f"invalid_{name}")
    filters = TaskFilter(
        area_id=int_or_none(ids["area_id"]),
        caretaker_id=int_or_none(ids["caretaker_id"]),
        status=status,
        overdue=request.args.get("overdue", "").lower() in ("1", "true", "yes"),
    )
    today = local_today()
    return jsonify(
        {"tasks": [task_json(t, today=today) for t in list_tasks(current_user, filters, today=today)]}
    )


@api_route(
    "/tasks",
    "POST",
    summary="Create a task",
    roles=(Role.COORDINATOR,),
    form=ApiTaskForm,
    tag="quarter",
    responses={201: {"id": "integer", "status": "string"}},
)
def tasks_create():
    form = bind(ApiTaskForm, json_body())
    if not form.validate():
        return form_error_response(form)
    try:
        task = create_task(by=current_user, now=utcnow(), **_task_values(form))
    except DomainError as error:
        return _domain_error(error)
    db.session.commit()
    return jsonify(task_json(task, today=local_today())), 201


@api_route(
    "/tasks/<int:task_id>",
    "GET",
    summary="One task with its checklist and work logs",
    roles=STAFF,
    tag="quarter",
    responses={200: {"id": "integer", "status": "string", "worklogs": "array"}},
)
def task_get(task_id: int):
    return jsonify(task_json(visible_task_or_404(task_id), today=local_today(), details=True))


@api_route(
    "/tasks/<int:task_id>",
    "PATCH",
    summary="Change a task: `status` (open, in_progress, done, cancelled); coordinators also its fields",
    roles=STAFF,
    form=ApiTaskForm,
    tag="quarter",
    responses={200: {"id": "integer", "status": "string"}},
)
def task_update(task_id: int):
    task = visible_task_or_404(task_id, lock=True)
    data = json_body()
    status = data.pop("status", None)
    try:
        if data:
            if not is_coordinator(current_user):
                return error_response(403, "coordinator_only")
            current = {
                "area_id": task.area_id,
                "title": task.title,
                "description": task.description,
                "category": task.category,
                "priority": task.priority,
                "due_date": _iso(task.due_date),
                "assignees": [p.id for p in task.assignees],
                "checklist": "\n".join(i.text for i in task.checklist),
            }
            form = bind(ApiTaskForm, {**current, **data})
            if not form.validate():
                return form_error_response(form)
            update_task(task, by=current_user, **_task_values(form))
        if status is not None and status != task.status:
            action = action_for(task.status, str(status))
            if action is None:
                return error_response(409, "invalid_transition")
            change_status(task, action, by=current_user, now=utcnow())
    except DomainError as error:
        return _domain_error(error)
    db.session.commit()
    return jsonify(task_json(task, today=local_today(), details=True))


@api_route(
    "/tasks/<int:task_id>/worklogs",
    "POST",
    summary="Log work on a task (JSON, or multipart with up to 3 `photos`)",
    roles=STAFF,
    form=WorkLogForm,
    tag="quarter",
    responses={201: {"id": "integer", "minutes": "integer", "photo_count": "integer"}},
)
def task_worklog_create(task_id: int):
    task = visible_task_or_404(task_id)
    request.max_content_length = WORKLOG_MAX_BYTES
    if request.mimetype == "multipart/form-data":
        form = WorkLogForm(formdata=CombinedMultiDict((request.files, request.form)), meta={"csrf": False})
    else:
        form = bind(WorkLogForm, json_body())
    if not form.validate():
        return form_error_response(form)
    try:
        with PhotoBatch() as batch:
            log = log_work(
                task,
                by=current_user,
                now=utcnow(),
                minutes=form.minutes.data,
                note=form.note.data or "",
                photos=batch.store_all(form.photos.data),
            )
            db.session.commit()
    except PhotoRejected as error:
        return error_response(422, error.code, field="photos")
    except DomainError as error:
        return _domain_error(error)
    return jsonify(worklog_json(log)), 201


# --- reports -------------------------------------------------------------------------------------


@api_route(
    "/reports",
    "POST",
    summary="Report a problem (no token needed; rate-limited)",
    roles=None,
    form=ApiReportForm,
    tag="quarter",
    responses={201: {"id": "integer", "status": "string", "secret": "string", "status_url": "string"}},
)
@limiter.limit(REPORT_RATE_LIMIT, exempt_when=lambda: current_user.is_authenticated)
def reports_create():
    form = bind(ApiReportForm, json_body())
    if not form.validate():
        return form_error_response(form)
    signed_in = current_user.is_authenticated
    try:
        report, secret = submit_report(
            reporter=current_user if signed_in else None,
            via="api",
            photo=None,
            now=utcnow(),
            area=db.session.get(Area, int_or_none(form.area_id.data) or 0),
            location=form.location.data or "",
            category=form.category.data,
            text=form.text.data,
            contact_name=form.contact_name.data or "",
            contact_phone=form.contact_phone.data or "",
            contact_email=form.contact_email.data or "",
        )
    except DomainError as error:
        return _domain_error(error)
    db.session.commit()
    body = report_json(report, office=is_coordinator(current_user))
    body.update(secret=secret, status_url=url_for("quarter.report_status", secret=secret, _external=True))
    return jsonify(body), 201


@api_route(
    "/reports/<int:report_id>",
    "GET",
    summary="A report's status (with ?secret=… or as coordinator)",
    roles=None,
    tag="quarter",
    query=(("secret", "string", "The secret from the report's status link"),),
    responses={200: {"id": "integer", "status": "string", "office_message": "string"}},
)
def report_get(report_id: int):
    report = db.session.get(ProblemReport, report_id)
    by_secret = find_by_secret(request.args.get("secret", ""))
    allowed = report is not None and (
        (by_secret is not None and by_secret.id == report.id)
        or (current_user.is_authenticated and can_see_report(current_user, report))
    )
    if not allowed:
        # The same answer for "no such report" and "not yours": ids reveal nothing.
        return error_response(404, "not_found")
    return jsonify(report_json(report, office=is_coordinator(current_user)))


@api_route(
    "/reports/<int:report_id>/task",
    "POST",
    summary="Turn a report into a task",
    roles=(Role.COORDINATOR,),
    form=ApiReportTaskForm,
    tag="quarter",
    responses={201: {"id": "integer", "report_id": "integer"}},
)
def report_task_create(report_id: int):
    report = db.get_or_404(ProblemReport, report_id)
    data = {
        "area_id": report.area_id,
        "title": (report.text.splitlines() or [""])[0][:80],
        "description": report.text,
        "category": report.category,
        **json_body(),
    }
    form = bind(ApiReportTaskForm, data)
    if not form.validate():
        return form_error_response(form)
    try:
        task = report_to_task(
            report, by=current_user, now=utcnow(), message=form.message.data or "", **_task_values(form)
        )
    except DomainError as error:
        return _domain_error(error)
    db.session.commit()
    return jsonify(task_json(task, today=local_today())), 201
