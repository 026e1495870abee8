"""Pure scheduling rules for Rikscha (standard library only, never reads the clock)."""

from ._errors import SchedulingError
from .availability import (
    Assignment,
    DayPlan,
    DriverState,
    NoAssignment,
    RickshawState,
    assign,
    blocked_period,
    candidate_starts,
    eligible_pairs,
    free_starts,
    rider_conflict,
)
from .fleet import (
    ChargingError,
    OdometerError,
    ServiceStatus,
    service_status,
    validate_charging,
    validate_odometer,
)
from .intervals import UTC, Interval, covers, intersect, merge, subtract
from .recurrence import (
    Recurrence,
    WeeklyWindow,
    expand_weekly,
    next_occurrence,
    occurrences,
)
from .rules import (
    BookingRuleError,
    BookingRules,
    check_bookable,
    local_day_bounds,
    opening_windows,
)

__all__ = [
    "UTC",
    "Assignment",
    "BookingRuleError",
    "BookingRules",
    "ChargingError",
    "DayPlan",
    "DriverState",
    "Interval",
    "NoAssignment",
    "OdometerError",
    "Recurrence",
    "RickshawState",
    "SchedulingError",
    "ServiceStatus",
    "WeeklyWindow",
    "assign",
    "blocked_period",
    "candidate_starts",
    "check_bookable",
    "covers",
    "eligible_pairs",
    "expand_weekly",
    "free_starts",
    "intersect",
    "local_day_bounds",
    "merge",
    "next_occurrence",
    "occurrences",
    "opening_windows",
    "rider_conflict",
    "service_status",
    "subtract",
    "validate_charging",
    "validate_odometer",
]
