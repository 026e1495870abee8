"""Who may use the driver's pages, the calendar feed pages and the feed itself."""

DRIVER = {"driver"}
FEED_USERS = {"driver", "resident"}

EXPECTATIONS = {
    "rides.driver_ride": DRIVER,
    "rides.driver_complete": DRIVER,
    "rides.driver_no_show": DRIVER,
    "rides.driver_run_sheet": DRIVER,
    "rides.driver_availability": DRIVER,
    "rides.driver_window_add": DRIVER,
    "rides.driver_window_remove": DRIVER,
    "rides.driver_absence_add": DRIVER,
    "rides.driver_absence_remove": DRIVER,
    "rides.feed": FEED_USERS,
    "rides.feed_create": FEED_USERS,
    "rides.feed_revoke": FEED_USERS,
    # The secret token in the URL is the credential (unknown or revoked: 404).
    "rides.feed_ics": "public",
}
