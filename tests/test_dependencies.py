"""Installs are reproducible: the locks pin every package pyproject.toml asks for, at a version its range
allows, with hashes; the run command's lock agrees with the test command's; and no committed file names a
package registry's host or an index address (the lock files included)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(settings.BASE_DIR)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def _pins(lock: str) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) for every pin of requirements/<lock>.txt."""
    pins: dict[str, tuple[str, int]] = {}
    name = ""
    for line in (ROOT / "requirements" / f"{lock}.txt").read_text().splitlines():
        if match := PIN.match(line):
            name = canonicalize_name(match[1])
            pins[name] = (match[2], 0)
        elif line.strip().startswith("--hash=sha256:") and name:
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
    return pins


def _declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize(("lock", "extras"), [("test", ("dev", "demo")), ("run", ("demo",))])
def test_the_lock_pins_every_declared_dependency_within_its_range_with_hashes(lock, extras):
    pins = _pins(lock)
    problems = []
    for requirement in _declared(*extras):
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in requirements/{lock}.txt")
        elif not requirement.specifier.contains(pinned[0], prereleases=True):
            problems.append(f"{requirement.name}=={pinned[0]} is outside {requirement.specifier}")
    problems += [f"{name} has no hash" for name, (_, hashes) in pins.items() if hashes == 0]
    assert not problems, f"run scripts/upgrade-deps --no-upgrade: {problems}"


def test_the_run_lock_installs_the_versions_the_tests_ran_with():
    tested = _pins("test")
    differing = {name: version for name, (version, _) in _pins("run").items() if tested.get(name, ("",))[0] != version}
    assert not differing


def test_no_committed_file_names_a_registry_host_or_an_index_address():
    # Spelled in pieces so that this file does not name them either.
    hosts = ["py" + r"pi\.org", "python" + "hosted", "npm" + r"js\.(org|com)"]
    index_options = ["index" + "-url", "find" + "-links"]
    forbidden = re.compile("|".join(hosts + index_options))
    git = shutil.which("git")
    assert git, "git is needed to list the committed files"
    files = subprocess.run([git, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    naming = []
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        if path.is_file() and forbidden.search(path.read_text(errors="replace")):
            naming.append(name)
    assert not naming
