"""Demo data for trying Rikscha out; loading it twice changes nothing."""

from __future__ import annotations

from datetime import datetime

from rikscha.auth.roles import Role
from rikscha.auth.services import create_user, find_user_by_email

DEMO_PASSWORD = "rikscha-demo"

DEMO_ACCOUNTS = (
    ("koordination@example.org", "Katrin Koordination", "0151 1000001", (Role.COORDINATOR,)),
    ("fahrer@example.org", "Fabian Fahrer", "0151 1000002", (Role.DRIVER,)),
    ("hausmeister@example.org", "Hanna Hausmeister", "0151 1000003", (Role.CARETAKER,)),
    ("bewohner@example.org", "Berta Bewohner", "0151 1000004", (Role.RESIDENT,)),
)


def seed_accounts(now: datetime) -> dict[str, object]:
    users = {}
    for email, name, phone, roles in DEMO_ACCOUNTS:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(
                email=email,
                name=name,
                phone=phone,
                password=DEMO_PASSWORD,
                roles=roles,
                consent_at=now,
            )
        users[email] = user
    return users


def load_demo(now: datetime) -> dict[str, object]:
    """Create whatever demo records are missing. Features add their steps here."""
    from rikscha.fleet.demo import seed_fleet
    from rikscha.quarter.demo import seed_quarter
    from rikscha.rides.demo import seed_rides

    users = seed_accounts(now)
    seed_rides(users, now, DEMO_PASSWORD)
    seed_quarter(users, now)
    seed_fleet(users, now)
    return users
