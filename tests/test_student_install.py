"""An installed grader carries no keys: the wheel holds no bank, and without one grader says so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_is_named_dl_grader_and_installs_the_grader_command_in_a_new_venv(wheel, tmp_path):
    """Our name on the package index is dl-grader (`grader` there is another project's); the
    import package and the command stay `grader`, whose --version comes from the metadata."""
    assert wheel.name.startswith("dl_grader-")
    install_and_ask_version(wheel, tmp_path / "venv")


def install_and_ask_version(wheel: Path, venv: Path) -> str:
    """Install `wheel` (no dependencies) into a new venv that borrows them from this environment,
    run `grader --version` there, and return what it printed."""
    import sysconfig
    import tomllib

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    made = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies (torch, typer, ...) from the environment running the tests, after the venv's own
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([python, "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run = subprocess.run([venv / "bin" / "grader", "--version"], capture_output=True, text=True, cwd=venv,
                         env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"grader {version} (dl-grader") and "Failed to initialize NumPy" not in run.stderr
    where = subprocess.run([python, "-c", "import grader; print(grader.__file__)"], capture_output=True, text=True,
                           cwd=venv, env=env, check=True).stdout
    assert where.startswith(str(venv)), where  # the wheel's grader, not this checkout's
    shown = subprocess.run([python, "-m", "pip", "show", "dl-grader"], capture_output=True, text=True, env=env)
    assert "Name: dl-grader" in shown.stdout and "numpy" in shown.stdout
    return run.stdout


def build_wheel(tmp_path: Path) -> Path:
    """The wheel pip builds from a copy of this checkout (bank folders included, as a checkout has them)."""
    source = tmp_path / "source"
    source.mkdir(parents=True)
    for name in ("grader", "templates", "exercises", "solutions"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"), symlinks=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (found,) = (tmp_path / "dist").glob("*.whl")
    return found


def test_the_wheel_ships_templates_but_no_bank(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "grader/templates/report.html.j2" in names and "grader/cli.py" in names
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
