"""`grader bundle gradescope`: the autograder zip Gradescope builds its image from.

The zip holds, at its root:

- `setup.sh`: run once by Gradescope (as root) to build the image: bubblewrap, a Python of
  3.11 or later in a venv, the CPU build of torch from the PyTorch CPU wheel index (not
  the CUDA one), and grader from `grader-src/`, with its dependencies pinned to the versions
  of the machine that built the bundle (`constraints.txt`); then it checks the install.
- `run_autograder`: grades `/autograder/submission` with `grader.lms.gradescope_run` and
  always leaves a `/autograder/results/results.json`, also when grading is killed.
- `grader-src/`: this version of grader as source; `bank/`: the course's `exercises/` and
  `solutions/`; `grader_bundle.json`: the settings below.

Both scripts run grader from `grader-src/` (PYTHONPATH) with PYTHONSAFEPATH=1: neither a
grader installed elsewhere nor a `grader/` in the current folder is ever imported, so a dry
run from a checkout grades with the bundle's code (docs/instructors.md).

Gradescope's limits map onto the bank's: the autograder timeout caps the submission's
wall-clock budget (less a reserve for start-up and quizzes), the container's memory caps
each exercise's `limits.memory_mb` (less what the grader itself holds), and the CPU count
sets torch's threads. The root folder is `$GRADER_AUTOGRADER_ROOT` (default /autograder),
so the bundle runs in a temporary folder laid out the same way.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.bank.loading import load_bank
from grader.bank.location import BankLocation
from grader.bank.resources import bundled
from grader.bank.spec import CodeExercise
from grader.errors import SpecError
from grader.grading import submission_budget
from grader.i18n import _, language, listed
import grader

CONFIG = "grader_bundle.json"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's test visibility
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
GRADER_MEMORY_MB = 900  # the grader's own process and the zygote, both with torch imported
RESERVE_SECONDS = 90  # start-up (torch, the zygote), quizzes, writing results: outside the code budget
KILL_MARGIN_SECONDS = 20  # run_autograder stops grading this long before Gradescope's timeout
MIN_CHILD_MB = 256  # the smallest memory_mb a spec may ask (spec.Limits)
_SKIP = re.compile(r"(^|/)(__pycache__|\.pytest_cache|\.git)(/|$)|\.py[co]$")

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# GRADER_OFFLINE=1 skips the steps that need the network (system packages, the venv, pip)
# and checks the Python in $GRADER_PYTHON instead: how the bundle is tested off Gradescope.
set -euo pipefail
ROOT="${GRADER_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
# Python never imports from the current folder (a checkout named grader/ there would shadow ours)
export PYTHONSAFEPATH=1
if [ -z "${GRADER_OFFLINE:-}" ]; then
  apt-get update
  apt-get install -y --no-install-recommends bubblewrap ca-certificates
  BASE=""
  for candidate in python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1; then BASE="$(command -v "$candidate")"; break; fi
  done
  if [ -z "$BASE" ]; then
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    BASE="$(command -v python3.11)"
  fi
  apt-get install -y --no-install-recommends "$(basename "$BASE")-venv" || true
  "$BASE" -m venv "$ROOT/venv"
  PYTHON="$ROOT/venv/bin/python"
  "$PYTHON" -m pip install --upgrade pip
  # the CPU build of torch: the default (CUDA) wheels are gigabytes that Gradescope cannot use
  "$PYTHON" -m pip install --index-url @TORCH_INDEX@ "torch==@TORCH@"
  "$PYTHON" -m pip install --constraint "$SOURCE/constraints.txt" "$SOURCE/grader-src"
  # the sandbox's children run as another user: they must reach Python and the scratch folders
  chmod 755 "$ROOT" "$SOURCE"
else
  PYTHON="${GRADER_PYTHON:-python3}"
fi
command -v bwrap >/dev/null 2>&1 || echo "warning: bubblewrap (bwrap) is missing: student code runs without its filesystem view" >&2
# the grader run_autograder runs: this bundle's own, whatever else is installed
GRADER_AUTOGRADER_ROOT="$ROOT" PYTHONPATH="$SOURCE/grader-src" "$PYTHON" -m grader.lms.gradescope_run --check-install
"""

RUN = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission. It grades $ROOT/submission into
# $ROOT/results/results.json; whatever happens, a results.json is left behind.
ROOT="${GRADER_AUTOGRADER_ROOT:-/autograder}"
export GRADER_AUTOGRADER_ROOT="$ROOT"
PYTHON="${GRADER_PYTHON:-$ROOT/venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
export OMP_NUM_THREADS=@CPUS@ MKL_NUM_THREADS=@CPUS@
export PYTHONPATH="$ROOT/source/grader-src"  # this bundle's own grader, whatever else is installed
export PYTHONSAFEPATH=1  # ... and never a grader/ in the current folder
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
timeout --kill-after=5 @SECONDS@ "$PYTHON" -m grader.lms.gradescope_run
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    why="grading ran past the autograder's time limit (@SECONDS@ s) and was stopped"
  else
    why="the autograder stopped with exit code $status before writing results"
  fi
  printf '{"score": 0, "output": "%s. Your instructor can see the autograder output; please tell them.", "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}\n' "$why" > "$ROOT/results/results.json"
fi
exit 0
"""


@dataclass(frozen=True)
class Bundle:
    path: Path
    exercises: int
    code_exercises: int
    budget_seconds: float
    memory_mb: int  # what each child may use at most
    files: int


def _copy_tree(source: Path, target: Path, inside: Path | None = None) -> None:
    """Copy a folder's files. A link is copied as the file it points to when that lies within
    `inside` (the bundled bank shares one transformer.py between exercises); else it is refused."""
    inside = Path(inside or source).resolve()
    for path in sorted(Path(source).rglob("*")):
        relative = path.relative_to(source).as_posix()
        if _SKIP.search(relative):
            continue
        if path.is_symlink():
            resolved = path.resolve()
            if not resolved.is_file() or not resolved.is_relative_to(inside):
                raise SpecError(path, _("is a link to {target}, outside the bank (or to no file)").format(target=resolved),
                                fix=_("put the file itself in the bank, or link to a file inside it"))
        if path.is_dir() and not path.is_symlink():
            (target / relative).mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / relative)


def _grader_source(target: Path) -> None:
    """grader-src/: the package, its templates and bundled bank, and a pyproject that installs them."""
    package = Path(grader.__file__).resolve().parent
    for child in sorted(package.iterdir()):
        if child.name in ("templates", "exercises", "solutions") or _SKIP.search(child.name):
            continue  # an installed grader keeps these inside the package; they are copied below
        if child.is_dir():
            _copy_tree(child, target / "grader" / child.name)
        elif child.is_file():
            (target / "grader").mkdir(parents=True, exist_ok=True)
            shutil.copy2(child, target / "grader" / child.name)
    for name in ("templates", "exercises", "solutions"):
        _copy_tree(bundled(name), target / name)
    checkout = package.parent / "pyproject.toml"
    if checkout.is_file():
        shutil.copy2(checkout, target / "pyproject.toml")
    else:
        raise SpecError(package, _("grader is installed without its pyproject.toml, so it cannot be bundled as source"),
                        fix=_("run `grader bundle` from a checkout of grader (pip install -e .)"))
    (target / "README.md").write_text(f"grader {grader.__version__}, bundled for Gradescope.\n", encoding="utf-8")


def constraints() -> str:
    """The versions of grader's dependencies here, pinned (torch is installed from its CPU index).

    The requirements are the checkout's pyproject.toml's (a bundle is built from a checkout),
    so a checkout installed under another name, or not installed, pins the same."""
    import tomllib

    pyproject = Path(grader.__file__).resolve().parent.parent / "pyproject.toml"
    requirements = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    lines = []
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group()
        if name.lower() == "torch":
            continue
        lines.append(f"{name}=={importlib.metadata.version(name)}")
    return "\n".join(lines) + "\n"


def torch_version() -> str:
    return importlib.metadata.version("torch").split("+")[0]


def limits_for(exercises, timeout_seconds: float, memory_mb: int) -> tuple[float, int]:
    """(the submission's code budget, each child's memory) that fit Gradescope's limits."""
    room = timeout_seconds - KILL_MARGIN_SECONDS - RESERVE_SECONDS
    child = memory_mb - GRADER_MEMORY_MB
    code = [e for e in exercises if isinstance(e, CodeExercise)]
    if code and room < 10:
        raise SpecError(Path(CONFIG), _("a {timeout:g} s autograder timeout leaves {room:g} s for code checks").format(
            timeout=timeout_seconds, room=room), fix=_("raise the timeout in Gradescope's autograder settings and pass "
                                                       "--timeout (at least {least} s)").format(
            least=KILL_MARGIN_SECONDS + RESERVE_SECONDS + 10))
    if code and child < MIN_CHILD_MB:
        raise SpecError(Path(CONFIG), _("{memory} MB leaves {child} MB for student code (the grader holds ~{grader} MB)").format(
            memory=memory_mb, child=child, grader=GRADER_MEMORY_MB),
            fix=_("pick more memory in Gradescope's settings and pass --memory-mb (at least {least})").format(
                least=GRADER_MEMORY_MB + MIN_CHILD_MB))
    budget = min(submission_budget(exercises), room) if code else 0.0
    return budget, max(child, MIN_CHILD_MB)


def _references_present(exercises, solutions: Path) -> None:
    """Every code exercise's reference is in the bundle: else each submission would fail on Gradescope."""
    for exercise in exercises:
        if isinstance(exercise, CodeExercise) and not (solutions / exercise.id / exercise.file).is_file():
            raise SpecError(exercise.folder / "spec.yaml", _("the reference {path} is not in the bank, so Gradescope could "
                                                             "not grade this exercise").format(
                path=f"solutions/{exercise.id}/{exercise.file}"), fix=_("add it beside exercises/ (`grader selftest --bank DIR` checks it)"))


def build_bundle(bank: BankLocation, out: Path, *, hidden_visibility: str = "after_published",
                 timeout_seconds: float = 600, memory_mb: int = 3072, cpus: int = 1) -> Bundle:
    """Write the autograder zip for `bank` to `out`."""
    if hidden_visibility not in VISIBILITIES:
        raise SpecError(Path(CONFIG), _("unknown visibility {visibility!r}").format(visibility=hidden_visibility),
                        fix=_("use one of {choices}").format(choices=listed(VISIBILITIES)))
    exercises = load_bank(bank.exercises)
    budget, child_mb = limits_for(exercises, timeout_seconds, memory_mb)
    config = {
        "grader_version": grader.__version__, "torch_version": torch_version(),
        "hidden_visibility": hidden_visibility, "timeout_seconds": timeout_seconds,
        "memory_mb": memory_mb, "cpus": cpus, "budget_seconds": budget, "child_memory_mb": child_mb,
        "bank": "bank", "bank_sha256": "",
        "language": language(),  # what students read on Gradescope: the language the bundle was built in
    }
    kill_after = int(timeout_seconds - KILL_MARGIN_SECONDS)
    with tempfile.TemporaryDirectory(prefix="grader-bundle-") as scratch:
        root = Path(scratch)
        _grader_source(root / "grader-src")
        _copy_tree(bank.exercises, root / "bank" / "exercises", inside=bank.exercises.parent)
        if bank.solutions.is_dir():
            _copy_tree(bank.solutions, root / "bank" / "solutions", inside=bank.solutions.parent)
        _references_present(exercises, root / "bank" / "solutions")
        config["bank_sha256"] = tree_hash(root / "bank")
        (root / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        (root / "constraints.txt").write_text(constraints(), encoding="utf-8")
        (root / "setup.sh").write_text(SETUP.replace("@TORCH_INDEX@", TORCH_INDEX).replace("@TORCH@", torch_version()),
                                       encoding="utf-8")
        (root / "run_autograder").write_text(RUN.replace("@SECONDS@", str(kill_after)).replace("@CPUS@", str(cpus)),
                                             encoding="utf-8")
        files = _zip(root, Path(out))
    code = sum(isinstance(e, CodeExercise) for e in exercises)
    return Bundle(Path(out), len(exercises), code, budget, child_mb, files)


def tree_hash(folder: Path) -> str:
    """SHA-256 over a folder's files (names and bytes, in name order): the bank's version in the bundle."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _zip(root: Path, out: Path) -> int:
    """Zip the files of `root` at the archive's root (Gradescope wants setup.sh there), scripts executable."""
    count = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
            count += 1
    return count
