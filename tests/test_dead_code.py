"""No dead code: vulture (configured under [tool.vulture] in pyproject.toml) finds nothing unused.

Vulture reads Python only, so the test first tells it what is used elsewhere by name: every identifier in a
template tag or variable, and every setting and format name (Django reads those by name). What is used by
neither our code nor these, yet must stay (a column kept for the record, a hook a framework calls), is listed
with its reason in tests/dead_code_allowlist.py.
"""

from __future__ import annotations

import keyword
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
TEMPLATE_TAG = re.compile(r"{[{%](.*?)[}%]}", re.S)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
BY_NAME_MODULES = ("odr/settings.py", "odr/formats/en/formats.py", "odr/formats/zh_Hant/formats.py")


def _names_used_by_templates() -> set[str]:
    names: set[str] = set()
    for template in [*BASE.glob("templates/**/*"), *BASE.glob("*/templates/**/*")]:
        if template.is_file():
            for tag in TEMPLATE_TAG.findall(template.read_text(errors="ignore")):
                names.update(IDENTIFIER.findall(tag))
    return names


def _names_read_by_django() -> set[str]:
    names: set[str] = set()
    for module in BY_NAME_MODULES:
        names.update(re.findall(r"^\s*([A-Z][A-Z0-9_]*)\s*[:=]", (BASE / module).read_text(), re.M))
    return names


def _vulture(*extra: str, cwd: Path = BASE) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "vulture", *extra], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode in (0, 3), result.stderr  # 3: dead code found
    return result.stdout


def test_no_dead_code(tmp_path):
    used = sorted(name for name in _names_used_by_templates() | _names_read_by_django() if not keyword.iskeyword(name))
    used_by_name = tmp_path / "used_by_name.py"
    used_by_name.write_text("".join(f"_.{name}\n" for name in used))
    found = _vulture(str(used_by_name), *_configured_paths())
    assert found == "", f"Unused code (delete it, or list it with its reason in tests/dead_code_allowlist.py):\n{found}"


def _configured_paths() -> list[str]:
    import tomllib

    return tomllib.loads((BASE / "pyproject.toml").read_text())["tool"]["vulture"]["paths"]


def test_the_check_finds_an_unused_function(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def used():\n    return 1\n\n\ndef forgotten():\n    return 2\n\n\nused()\n")
    found = _vulture(str(module), "--min-confidence", "60", cwd=tmp_path)
    assert "unused function 'forgotten'" in found
    assert "'used'" not in found
