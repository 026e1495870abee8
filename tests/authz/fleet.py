"""Who may use the fleet pages and the fleet API."""

STAFF = {"driver", "caretaker", "coordinator"}
CARE = {"caretaker", "coordinator"}
OFFICE = {"coordinator"}

EXPECTATIONS = {
    # pages
    "fleet.overview": STAFF,
    "fleet.rickshaw_history": STAFF,
    "fleet.outcome": STAFF,
    "fleet.photo": STAFF,
    "fleet.rickshaws": OFFICE,
    "fleet.rickshaw_new": OFFICE,
    "fleet.rickshaw_edit": OFFICE,
    "fleet.battery_add": OFFICE,
    "fleet.battery_deactivate": OFFICE,
    "fleet.block_new": OFFICE,
    "fleet.stations": STAFF,
    "fleet.station_new": OFFICE,
    "fleet.station_edit": OFFICE,
    "fleet.maintenance_new": CARE,
    "fleet.charging_new": STAFF,
    "fleet.defect_new": STAFF,
    "fleet.defect_clear": CARE,
    # API
    "api.fleet_rickshaw_detail": STAFF,
    "api.fleet_rickshaw_update": OFFICE,
    "api.fleet_rickshaw_history": STAFF,
    "api.fleet_stations_list": STAFF,
    "api.fleet_stations_create": OFFICE,
    "api.fleet_maintenance_create": CARE,
    "api.fleet_defect_create": STAFF,
    "api.fleet_defect_clear": CARE,
    "api.fleet_charging_create": STAFF,
    "api.fleet_block_create": OFFICE,
}
