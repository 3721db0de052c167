"""The installed product holds no test double: the Nextcloud emulator and the S²LOW stand-in
live under tests/, which the pyproject's package list leaves out. Checked twice: with the
finder setuptools runs on that list, and on a wheel really built from the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from setuptools import find_namespace_packages, find_packages

ROOT = Path(__file__).resolve().parents[1]
DOUBLES = ("tests.doubles.nextcloud_emulator", "tests.doubles.s2low_standin")
# What a checkout holds beside the sources: never part of a build.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "var", "build", "dist", "*.egg-info",
                                     "__pycache__", ".hypothesis", ".pytest_cache",
                                     ".ruff_cache", "test-artifacts")


def found_packages(include: list[str] | None = None) -> list[str]:
    """The packages setuptools finds with [tool.setuptools.packages.find] (or another
    include list), namespace packages included as the pyproject's default has them."""
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]
    finder = find_namespace_packages if find.get("namespaces", True) else find_packages
    return finder(where=str(ROOT / find.get("where", ["."])[0]),
                  include=include or find.get("include", ["*"]),
                  exclude=find.get("exclude", ()))


def is_test_code(name: str) -> bool:
    return name.split(".")[0] == "tests" or "emulator" in name or "standin" in name


def test_the_package_list_leaves_the_doubles_out():
    packages = found_packages()
    assert {"nextcloud_bridge", "actes.teletransmission"} <= set(packages)
    assert [p for p in packages if is_test_code(p)] == []


def test_the_check_would_see_a_double_that_were_shipped():
    # The same finder, told to take tests/ too, finds both doubles: the check above can fail.
    assert set(DOUBLES) <= set(found_packages(["tests*"]))


def test_the_built_wheel_holds_no_test_double(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "-w", str(tmp_path / "wheel"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "wheel").glob("mutualis-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "nextcloud_bridge/driver.py" in names
    assert "actes/teletransmission/archive.py" in names
    assert [n for n in names if is_test_code(n.replace("/", "."))] == []


def test_every_app_of_the_project_is_in_the_package_list():
    # An app left out of the include list works from a checkout and is missing once installed.
    from django.conf import settings

    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS
            if (ROOT / app.split(".")[0] / "__init__.py").exists()}
    assert ours, "no app of the project found in INSTALLED_APPS"
    assert ours - set(found_packages()) == set()
