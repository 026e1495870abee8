"""End-to-end fixtures: a real gunicorn server on a fresh SQLite database, and headless Chromium.

Self-contained on purpose: nothing here relies on tests/conftest.py (the in-process test app).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RIKSCHA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 20.0
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _services_required() -> bool:
    return os.environ.get("RIKSCHA_REQUIRE_SERVICES") == "1"


def _unavailable(reason: str):
    """Skip on a developer's machine without Chromium; fail in CI, where it must exist."""
    if _services_required():
        pytest.fail(f"{reason} (RIKSCHA_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@dataclass(frozen=True)
class LiveServer:
    """A running server: `url` to browse, `env` (with DATABASE_URL) to prepare data via the CLI."""

    url: str
    env: dict[str, str] = field(repr=False)
    database_url: str = ""
    log_path: Path | None = None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output (tracebacks of 500s land here)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run `flask --app wsgi ARGS…` against the server's database, e.g. `users create …`."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    """gunicorn with two workers on a free port, on a migrated database with the demo data."""
    workdir = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{workdir / 'e2e.sqlite3'}"  # absolute path: four slashes in total
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "RIKSCHA_ENV": "development",
        "RIKSCHA_ARGON2_TIME_COST": "1",
        "RIKSCHA_ARGON2_MEMORY_COST": "8192",
        "RIKSCHA_UPLOAD_FOLDER": str(workdir / "uploads"),
        # The tests rely on the default login limit, whatever the developer's shell says.
        "RIKSCHA_LOGIN_FAILURE_LIMIT": "5",
        "RIKSCHA_LOGIN_FAILURE_WINDOW": "15",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FLASK_APP", None)
    server = LiveServer(url="", env=env, database_url=database_url)
    server.flask("db", "upgrade")
    server.flask("demo")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _answers(url + "/"):
            if process.poll() is not None or time.monotonic() > deadline:
                what = (
                    "exited"
                    if process.poll() is not None
                    else f"did not answer within {STARTUP_TIMEOUT:.0f} s"
                )
                pytest.fail(f"gunicorn {what}. Its output:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield LiveServer(url=url, env=env, database_url=database_url, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's) for the whole run; never a downloaded browser."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM} (install the Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception as error:  # noqa: BLE001 - any launch failure means "no usable browser"
        playwright.stop()
        _unavailable(f"Chromium at {CHROMIUM} could not be started: {error}")
    yield browser
    browser.close()
    playwright.stop()


def _collect_page_errors(page, errors: list[str]) -> None:
    # Uncaught script errors and CSP violations mean a page is broken even if it looks fine.
    page.on("pageerror", lambda error: errors.append(f"uncaught error: {error}"))

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(f"CSP violation: {message.text}")

    page.on("console", on_console)


@pytest.fixture
def new_page(browser, live_server, request, tmp_path_factory):
    """Factory: new_page(viewport=…, **context_options) -> a page in a fresh context (no cookies).

    Contexts are closed after the test; a failing test leaves a screenshot and the HTML behind.
    """
    made = []

    def make(viewport: dict | None = None, **options):
        context = browser.new_context(
            base_url=live_server.url,
            locale="de-DE",
            timezone_id="Europe/Berlin",
            viewport=viewport or DESKTOP,
            **options,
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        _collect_page_errors(page, errors)
        made.append((context, page, errors))
        return page

    yield make

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    problems = []
    out = tmp_path_factory.mktemp("e2e-failure") if failed else None
    for index, (context, page, errors) in enumerate(made):
        if out is not None and not page.is_closed():
            try:
                page.screenshot(path=str(out / f"page{index}.png"), full_page=True)
                (out / f"page{index}.html").write_text(page.content())
                print(f"\n[e2e] {request.node.nodeid}: screenshot and HTML of {page.url} in {out}")
            except Exception as error:  # noqa: BLE001 - diagnostics must not hide the real failure
                print(f"\n[e2e] could not save the failing page: {error}")
        problems.extend(errors)
        context.close()
    if out is not None:
        print(f"\n[e2e] end of the server log:\n{live_server.log_tail()}")
    if problems and not failed:
        pytest.fail("Browser reported problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page):
    """A desktop page (1280×800, German) in its own browser context."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A phone page (390×844, touch, mobile viewport) in its own browser context."""
    return new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets fixtures see whether the test body failed (to keep a screenshot).
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
