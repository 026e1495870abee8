"""Who may use the reports: the dashboard data, the funders' report, its CSV and volunteer statements."""

EXPECTATIONS = {
    "reports.index": {"coordinator"},
    "reports.export_csv": {"coordinator"},
    "reports.volunteer": {"coordinator"},
    "reports.volunteer_csv": {"coordinator"},
}
