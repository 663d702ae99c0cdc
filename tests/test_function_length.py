"""No function in the apps is longer than MAX_LINES lines: a longer one is split into named parts. A
function is measured from its ``def`` line to its last line (docstring and comments included, decorators
not); methods and nested functions are measured on their own.

What cannot be split yet is listed in ALLOWED with the reason. The list only shrinks: an entry whose
function is gone, or now short enough, fails the check until it is removed."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
MAX_LINES = 60
APPS = (
    "administration", "arbitration", "cases", "deals", "demo", "documents", "mediation", "negotiation", "payments",
    "workers", "odr",
)  # fmt: skip

# "module:Class.function" -> why it is still longer than MAX_LINES.
ALLOWED: dict[str, str] = {}


def function_lengths(base: Path, apps: tuple[str, ...]) -> dict[str, int]:
    """Every function and method of the apps' Python files (migrations left out), by
    ``module:qualified.name``, with its number of lines."""
    lengths: dict[str, int] = {}
    for app in apps:
        for path in sorted((base / app).rglob("*.py")):
            relative = path.relative_to(base)
            if "migrations" in relative.parts:
                continue
            module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
            for name, node in _functions(tree, prefix=""):
                key, lines = f"{module}:{name}", (node.end_lineno or node.lineno) - node.lineno + 1
                lengths[key] = max(lengths.get(key, 0), lines)  # a name defined twice: the longer counts
    return lengths


def _functions(parent: ast.AST, *, prefix: str) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in ast.iter_child_nodes(parent):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{prefix}{node.name}"
            if not isinstance(node, ast.ClassDef):
                found.append((name, node))
            found.extend(_functions(node, prefix=f"{name}."))
        else:
            found.extend(_functions(node, prefix=prefix))
    return found


def too_long(lengths: dict[str, int]) -> dict[str, int]:
    return {name: lines for name, lines in lengths.items() if lines > MAX_LINES}


def test_every_app_is_walked():
    missing = [app for app in APPS if not (BASE / app).is_dir()]
    assert not missing, f"not found, so not checked: {missing}; update APPS in {Path(__file__).name}"


def test_no_function_is_longer_than_the_limit():
    found = too_long(function_lengths(BASE, APPS))
    unlisted = [f"{name} ({lines} lines)" for name, lines in sorted(found.items()) if name not in ALLOWED]
    assert not unlisted, f"longer than {MAX_LINES} lines, split into named parts:\n" + "\n".join(unlisted)


def test_the_allowlist_names_only_functions_still_too_long():
    lengths = function_lengths(BASE, APPS)
    stale = [
        f"{name}: no longer exists" if name not in lengths else f"{name}: {lengths[name]} lines now"
        for name in sorted(ALLOWED)
        if lengths.get(name, 0) <= MAX_LINES
    ]
    assert not stale, "remove from ALLOWED:\n" + "\n".join(stale)


def _lines(indent: int) -> str:
    return "\n".join(f"{' ' * indent}x = {n}" for n in range(MAX_LINES))


def test_a_long_function_is_found(tmp_path):
    """The check can fail: a long method and a long nested function are named, and so is the function
    around it; a migration is not read."""
    (tmp_path / "app" / "services").mkdir(parents=True)
    (tmp_path / "app" / "migrations").mkdir()
    (tmp_path / "app" / "services" / "__init__.py").write_text(
        f"def short():\n    pass\n\n\nclass Service:\n    def long(self):\n{_lines(8)}\n"
    )
    (tmp_path / "app" / "services" / "nested.py").write_text(
        f"def outer():\n    async def inner():\n{_lines(8)}\n\n    return inner\n"
    )
    (tmp_path / "app" / "migrations" / "0001_initial.py").write_text(f"def migrate():\n{_lines(4)}\n")
    lengths = function_lengths(tmp_path, ("app",))
    assert lengths["app.services:short"] == 2
    assert too_long(lengths) == {
        "app.services:Service.long": MAX_LINES + 1,
        "app.services.nested:outer": MAX_LINES + 4,
        "app.services.nested:outer.inner": MAX_LINES + 1,
    }
