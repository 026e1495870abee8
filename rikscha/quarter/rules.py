"""Pure rules of the quarter feature: task transitions, due-date buckets, generation windows.

Nothing here touches the database, the request or the clock: callers pass `today`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

T = TypeVar("T")

# (current status, action) → new status. Only the listed moves exist.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("open", "start"): "in_progress",
    ("in_progress", "done"): "done",
    ("open", "cancel"): "cancelled",
    ("in_progress", "cancel"): "cancelled",
    ("in_progress", "reopen"): "open",
    ("done", "reopen"): "open",
    ("cancelled", "reopen"): "open",
}
ACTIONS = ("start", "done", "cancel", "reopen")
COORDINATOR_ONLY = frozenset({"cancel", "reopen"})
ACTIVE_STATUSES = ("open", "in_progress")
# How a report follows the task made from it; cancelling a task leaves the report to the office.
REPORT_STATUS_AFTER = {"start": "in_progress", "done": "done", "reopen": "in_progress"}

BUCKETS = ("overdue", "today", "week", "undated", "later")
MAX_CHECKLIST_ITEMS = 30
MAX_CHECKLIST_TEXT = 200


class TransitionError(ValueError):
    """The action is not possible: `code` is `invalid_transition` or `coordinator_only`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def next_status(current: str, action: str, *, coordinator: bool) -> str:
    """The status a task in `current` gets by `action`; raises TransitionError otherwise.

    Caretakers may start and finish tasks; cancelling and reopening are the office's decision.
    """
    target = TRANSITIONS.get((current, action))
    if target is None:
        raise TransitionError("invalid_transition")
    if action in COORDINATOR_ONLY and not coordinator:
        raise TransitionError("coordinator_only")
    return target


def allowed_actions(current: str, *, coordinator: bool) -> list[str]:
    """The actions offered for a task in `current`, in the order buttons are shown."""
    return [
        action
        for action in ACTIONS
        if (current, action) in TRANSITIONS and (coordinator or action not in COORDINATOR_ONLY)
    ]


def week_end(today: date) -> date:
    """The Sunday of `today`'s week (German weeks run Monday to Sunday)."""
    return today + timedelta(days=6 - today.weekday())


def bucket(due: date | None, today: date) -> str:
    """Which section of "Meine Aufgaben" a task due on `due` belongs to."""
    if due is None:
        return "undated"
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    if due <= week_end(today):
        return "week"
    return "later"


@dataclass(frozen=True)
class Group:
    """One area's tasks inside one bucket."""

    area: str
    items: list


def group_tasks(
    tasks: Iterable[T], today: date, *, due: Callable[[T], date | None], area: Callable[[T], str]
) -> dict[str, list[Group]]:
    """Tasks sorted into BUCKETS, each bucket grouped by area name (areas and tasks in a stable order).

    Within an area, tasks keep the order given, so callers sort by due date first.
    """
    sections: dict[str, dict[str, list]] = {name: {} for name in BUCKETS}
    for task in tasks:
        sections[bucket(due(task), today)].setdefault(area(task), []).append(task)
    return {
        name: [
            Group(area_name, items)
            for area_name, items in sorted(groups.items(), key=lambda kv: kv[0].lower())
        ]
        for name, groups in sections.items()
    }


def generation_window(
    anchor: date, generated_until: date | None, today: date, horizon_days: int
) -> tuple[date, date] | None:
    """The dates `[start, end]` for which a round's tasks should now be created.

    Tasks exist up to `today + horizon_days`. A round that was generated before continues
    after `generated_until` (so occurrences missed while the job did not run appear as
    overdue); a new round starts today. Nothing before `anchor`. None if there is nothing to do.
    Afterwards the caller records `covered_until(...)` as the new `generated_until`.
    """
    end = today + timedelta(days=horizon_days)
    start = generated_until + timedelta(days=1) if generated_until is not None else today
    start = max(start, anchor)
    if start > end:
        return None
    return start, end


def covered_until(generated_until: date | None, today: date, horizon_days: int) -> date:
    """How far a round counts as generated after a run (never moves backwards)."""
    end = today + timedelta(days=horizon_days)
    return max(generated_until, end) if generated_until is not None else end


def parse_checklist(text: str | None) -> list[str]:
    """Checklist items from a text field: one item per line, blank lines and bullets dropped."""
    items = []
    for line in (text or "").splitlines():
        item = line.strip().lstrip("-•*").strip()
        if item:
            items.append(item)
    return items


def checklist_problem(items: list[str]) -> str | None:
    """A code if the checklist is unusable (too many or too long items), else None."""
    if len(items) > MAX_CHECKLIST_ITEMS:
        return "checklist_too_long"
    if any(len(item) > MAX_CHECKLIST_TEXT for item in items):
        return "checklist_item_too_long"
    return None


def action_for(current: str, target: str) -> str | None:
    """The action that moves a task from `current` to `target` (for APIs that name the status)."""
    for (status, action), result in TRANSITIONS.items():
        if status == current and result == target:
            return action
    return None
