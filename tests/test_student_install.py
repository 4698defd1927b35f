"""An installed grader carries no keys: the wheel holds no bank, and without one grader says so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_templates_but_no_bank(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("grader", "templates", "exercises", "solutions"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"), symlinks=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("grader-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "grader/templates/report.html.j2" in names and "grader/cli.py" in names
    assert "grader/i18n/locale/zh_CN/LC_MESSAGES/grader.mo" in names  # the installed grader speaks Chinese too
    leaked = [n for n in names if n.split("/")[1:2] in (["exercises"], ["solutions"]) or n.endswith("mutants.yaml")]
    assert not leaked, leaked[:5]
    hidden_check = (REPO / "exercises" / "lenet" / "checks" / "behaviour.py").read_bytes()
    assert not any(zipfile.ZipFile(wheel).read(n) == hidden_check for n in names)


def test_without_a_bank_check_says_how_to_give_one(tmp_path):
    """grader as a wheel lays it out (the package and its templates, no bank beside it)."""
    shutil.copytree(REPO / "grader", tmp_path / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", tmp_path / "templates", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(REPO / "examples" / "submission")],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "carries no course bank" in result.stderr and "--bank" in result.stderr
    assert "Traceback" not in result.stderr
