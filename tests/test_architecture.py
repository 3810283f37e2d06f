"""The code keeps the shape the project depends on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kasipodaq"

# Each layer may import itself and the layers listed; the order is core ← accounts ←
# orgtree ← access ← audit ← registry ← reporting ← api (STYLE.md, "Layout").
ALLOWED = {
    "core": {"core"},
    "accounts": {"core", "accounts", "access"},
    "orgtree": {"core", "orgtree"},
    "access": {"core", "orgtree", "access", "accounts"},
    "audit": {"core", "orgtree", "access", "audit", "accounts"},
    "registry": {"core", "orgtree", "access", "audit", "registry", "accounts", "api"},
    "cards": {
        "core",
        "orgtree",
        "access",
        "audit",
        "registry",
        "cards",
        "accounts",
        "api",
    },
    "dues": {
        "core",
        "orgtree",
        "access",
        "audit",
        "registry",
        "dues",
        "accounts",
        "api",
    },
    # A capability on dues: it reads the dues' ledger and money, never the reverse.
    "budget": {
        "core",
        "orgtree",
        "access",
        "audit",
        "registry",
        "dues",
        "budget",
        "accounts",
        "api",
    },
    "reporting": {
        "core",
        "orgtree",
        "access",
        "audit",
        "registry",
        "reporting",
        "accounts",
        "api",
    },
    # The API's version module gathers the routers of each app.
    "api": {
        "core",
        "orgtree",
        "access",
        "audit",
        "registry",
        "reporting",
        "cards",
        "dues",
        "accounts",
        "api",
    },
}
SCOPED_MODELS = {
    "Person",
    "Membership",
    "OrgUnit",
    "AuditEvent",
    "OrgEvent",
    "Employer",
    "Budget",
    "Expense",
    "OtherIncome",
}


def _modules(*, exclude_tests: bool = True) -> list[Path]:
    return [
        p
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and not (exclude_tests and "tests" in p.parts)
    ]


def _imported_apps(tree: ast.AST) -> set[str]:
    apps = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "kasipodaq" and len(parts) > 1:
                apps.add(parts[1])
    return apps


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_dependencies_point_one_way(path: Path) -> None:
    """An app imports only the layers below it: a cycle is a design bug."""
    app = path.relative_to(PACKAGE).parts[0]
    if app not in ALLOWED:
        return
    imported = _imported_apps(ast.parse(path.read_text()))
    assert imported <= ALLOWED[app], f"{path}: imports {imported - ALLOWED[app]}"


def _is_view_or_endpoint(path: Path) -> bool:
    rel = path.relative_to(PACKAGE)
    return rel.name == "views.py" or "views" in rel.parts or "api" in rel.parts


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _is_view_or_endpoint(p)],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_views_and_endpoints_read_only_through_selectors(path: Path) -> None:
    """Views and API endpoints never query scoped models directly (`Model.objects`)."""
    offending = [
        f"{path.name}:{node.lineno} {node.value.id}.objects"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr == "objects"
        and isinstance(node.value, ast.Name)
        and node.value.id in SCOPED_MODELS
    ]
    assert not offending


def test_the_checks_above_see_the_views() -> None:
    """The view check is not vacuous: it finds the staff views and endpoints."""
    assert len([p for p in _modules() if _is_view_or_endpoint(p)]) >= 4


# Packages of the development group only: `scripts/serve.sh` installs without them.
DEV_ONLY = {
    "aiosmtpd",
    "django_stubs_ext",
    "factory",
    "hypothesis",
    "openpyxl",
    "playwright",
    "pytest",
    "schemathesis",
}


def _runtime_imports(tree: ast.AST) -> set[str]:
    """Top-level packages imported outside `if TYPE_CHECKING:` blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(tree)
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_product_runs_without_the_development_packages(path: Path) -> None:
    """What the product runs imports no test or type-checking package (annotations
    may, under TYPE_CHECKING): the demo is served without them."""
    imported = _runtime_imports(ast.parse(path.read_text()))
    assert not imported & DEV_ONLY, f"{path}: imports {imported & DEV_ONLY}"
