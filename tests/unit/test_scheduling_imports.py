"""rikscha.scheduling stays pure: standard-library imports only, and no clock reads."""

import ast
import sys
from pathlib import Path

import pytest

import rikscha.scheduling

PACKAGE = Path(rikscha.scheduling.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
CLOCK_TEXT = (".now(", "utcnow", "date.today", "datetime.today", "time.time(", "monotonic(")
CLOCK_ATTRIBUTES = {"now", "utcnow", "today", "monotonic", "perf_counter"}
CLOCK_MODULES = {"time"}


def test_the_package_has_the_expected_modules():
    names = {path.stem for path in MODULES}
    expected = {"__init__", "intervals", "rules", "availability", "recurrence", "fleet"}
    assert expected <= names


def imported_roots(tree: ast.AST) -> list[str]:
    """Top-level names of absolute imports; relative imports are reported as ''."""
    roots = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.extend(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.append("" if node.level else (node.module or "").partition(".")[0])
    return roots


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_imports_are_standard_library_or_relative(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    outside = [root for root in imported_roots(tree) if root and root not in sys.stdlib_module_names]
    assert outside == []
    # importlib would slip past the walk above
    assert "__import__" not in path.read_text(encoding="utf-8")
    assert "importlib" not in imported_roots(tree)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_never_reads_the_clock(path):
    source = path.read_text(encoding="utf-8")
    assert [text for text in CLOCK_TEXT if text in source] == []
    tree = ast.parse(source, filename=str(path))
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_ATTRIBUTES
    ]
    assert calls == []
    assert CLOCK_MODULES.isdisjoint(imported_roots(tree))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_every_module_has_a_one_line_docstring(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring
    assert "\n" not in docstring.strip()


def test_every_public_function_has_a_docstring():
    missing = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            is_def = isinstance(node, ast.FunctionDef | ast.ClassDef)
            if is_def and not node.name.startswith("_") and not ast.get_docstring(node):
                missing.append(f"{path.name}:{node.name}")
    assert missing == []


def test_the_package_exports_what_it_promises():
    exported = set(rikscha.scheduling.__all__)
    assert len(exported) == len(rikscha.scheduling.__all__)
    assert all(hasattr(rikscha.scheduling, name) for name in exported)
    assert {
        "Interval",
        "merge",
        "subtract",
        "intersect",
        "covers",
        "BookingRules",
        "BookingRuleError",
        "opening_windows",
        "check_bookable",
        "local_day_bounds",
        "RickshawState",
        "DriverState",
        "DayPlan",
        "Assignment",
        "NoAssignment",
        "candidate_starts",
        "eligible_pairs",
        "assign",
        "free_starts",
        "assignable_starts",
        "bookable_among",
        "rider_conflict",
        "WeeklyWindow",
        "expand_weekly",
        "Recurrence",
        "occurrences",
        "next_occurrence",
        "ServiceStatus",
        "service_status",
        "validate_charging",
        "validate_odometer",
        "ChargingError",
        "OdometerError",
    } <= exported
