"""Who may use the rides API: riders, free times, booking, rides, the schedule, rickshaws."""

BOOKERS = {"resident", "coordinator"}
SEE_RIDES = {"resident", "driver", "coordinator"}
CLOSE_RIDES = {"driver", "coordinator"}

EXPECTATIONS = {
    "api.riders_create": BOOKERS,
    "api.riders_list": BOOKERS,
    "api.rider_detail": BOOKERS,
    "api.availability_slots": BOOKERS,
    "api.rides_create": BOOKERS,
    "api.rides_list": SEE_RIDES,
    "api.ride_detail": SEE_RIDES,
    "api.ride_cancel": BOOKERS,
    "api.ride_complete": CLOSE_RIDES,
    "api.ride_no_show": CLOSE_RIDES,
    "api.schedule": {"driver"},
    "api.rickshaws_create": {"coordinator"},
    "api.rickshaws_list": {"coordinator"},
}
