"""Helpers for e2e tests: logging in through the real form, and the axe accessibility check."""

from __future__ import annotations

import uuid

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "rikscha-demo"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
_axe = Axe()


def unique_email(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


def create_user(live_server, *, email: str, name: str, roles: list[str], password: str) -> None:
    """A user in the live server's database, made with the CLI (`flask users create`)."""
    args = ["users", "create", "--email", email, "--name", name, "--password", password]
    for role in roles:
        args += ["--role", role]
    live_server.flask(*args)


def login(page: Page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form, as a person would: type into the labelled fields, click."""
    page.goto(base_url.rstrip("/") + "/anmelden")
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


def assert_no_axe_violations(page: Page) -> None:
    """Run axe-core (WCAG 2.1 A and AA rules) on the current page; fail listing every violation."""
    page.wait_for_load_state()
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"{len(violations)} axe violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:3]:
            lines.append(
                f"    at {', '.join(map(str, node['target']))}: {' '.join(node.get('failureSummary', '').split())}"
            )
        if len(violation["nodes"]) > 3:
            lines.append(f"    … and {len(violation['nodes']) - 3} more")
    raise AssertionError("\n".join(lines))


def expect_heading(page: Page, text: str) -> None:
    """The page's one h1 reads `text`."""
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(text)


def page_width(page: Page) -> int:
    """The page's scroll width in CSS px, once its stylesheets apply (for "no sideways scrolling").

    After a click the heading can be there before the stylesheet is: a run sheet once measured
    489 px on a busy machine. The load event comes after the stylesheets.
    """
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")
