"""Who may use the privacy pages: coordinators; residents only their own riders' export."""

OFFICE = {"coordinator"}

EXPECTATIONS = {
    "admin.privacy_index": OFFICE,
    "admin.privacy_rider": OFFICE,
    "admin.privacy_export": OFFICE,
    "admin.privacy_withdraw": OFFICE,
    "admin.privacy_consent": OFFICE,
    "admin.privacy_anonymise": OFFICE,
    "admin.my_rider_export": {"resident"},
}
