"""The layers of the code hold: the import-linter contracts in pyproject.toml are kept, and an import that
runs back up a layer breaks them (so the check can fail)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False)


def _root_packages() -> list[str]:
    return tomllib.loads((BASE / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]


def test_the_import_contracts_are_kept():
    result = _lint_imports(BASE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_from_the_core_up_to_a_tier_breaks_the_contracts(tmp_path):
    for package in _root_packages():
        shutil.copytree(BASE / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(BASE / "pyproject.toml", tmp_path)
    core = tmp_path / "cases" / "money.py"
    core.write_text(core.read_text() + "\nfrom mediation.models import Session  # noqa: E402, F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "Apps import only the apps below them BROKEN" in result.stdout
    assert "cases.money -> mediation.models" in result.stdout
