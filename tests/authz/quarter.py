"""Who may use the quarter's routes: areas, tasks, rounds, reports, photos and their API."""

ANY = "any"
PUBLIC = "public"
OFFICE = {"coordinator"}
STAFF = {"coordinator", "caretaker"}

EXPECTATIONS = {
    "quarter.areas_index": OFFICE,
    "quarter.area_new": OFFICE,
    "quarter.area_edit": OFFICE,
    "quarter.area_poster": STAFF,
    "quarter.area_qr": STAFF,
    "quarter.tasks_index": OFFICE,
    "quarter.task_new": OFFICE,
    "quarter.task_edit": OFFICE,
    "quarter.task_detail": STAFF,
    "quarter.task_status": STAFF,
    "quarter.task_checklist": STAFF,
    "quarter.task_worklog": STAFF,
    "quarter.task_photo": STAFF,
    "quarter.worklog_photo": STAFF,
    "quarter.rounds_index": OFFICE,
    "quarter.round_new": OFFICE,
    "quarter.round_edit": OFFICE,
    "quarter.rounds_generate": OFFICE,
    "quarter.report_new": PUBLIC,
    "quarter.report_status": PUBLIC,
    "quarter.report_status_photo": PUBLIC,
    "quarter.my_reports": ANY,
    "quarter.my_report": ANY,
    "quarter.report_photo": ANY,
    "quarter.reports_index": OFFICE,
    "quarter.report_detail": OFFICE,
    "quarter.report_task": OFFICE,
    "quarter.report_merge": OFFICE,
    "quarter.report_respond": OFFICE,
    "api.areas_list": PUBLIC,
    "api.areas_create": OFFICE,
    "api.tasks_list": STAFF,
    "api.tasks_create": OFFICE,
    "api.task_get": STAFF,
    "api.task_update": STAFF,
    "api.task_worklog_create": STAFF,
    "api.reports_create": PUBLIC,
    "api.report_get": PUBLIC,
    "api.report_task_create": OFFICE,
}
