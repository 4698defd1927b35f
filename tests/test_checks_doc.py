"""docs/checks.md stays true: its code blocks are a bank, and that bank validates, passes
selftest (reference at full marks, every mutant caught) and runs under the pytest plugin."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

DOC = REPO / "docs" / "checks.md"
BLOCK = re.compile(r"```(python|yaml)\n# (\S+)\n(.*?)```", re.S)


def grader(*args, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def doc_bank(root: Path) -> Path:
    """Write every `# <path>` block of the page into `root`, joining blocks of one file in order."""
    files: dict[str, str] = {}
    for _, path, body in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        files[path] = files.get(path, "") + ("\n\n" if path in files else "") + body
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    return doc_bank(tmp_path_factory.mktemp("doc") / "my-course")


def test_the_page_holds_a_whole_exercise(bank):
    found = sorted(str(p.relative_to(bank)) for p in bank.rglob("*") if p.is_file())
    assert found == ["exercises/two-layer/checks/claims.py", "exercises/two-layer/checks/reference.py",
                     "exercises/two-layer/checks/training.py", "exercises/two-layer/checks/values.py",
                     "exercises/two-layer/public/shapes.py", "exercises/two-layer/spec.yaml",
                     "solutions/two-layer/mlp.py", "solutions/two-layer/mutants.yaml"]


def test_every_handle_method_the_page_names_exists():
    from grader.checking.remote import RemoteModule, Submission

    text = DOC.read_text(encoding="utf-8")
    for name in ("call", "function", "build"):
        assert f"submission.{name}(" in text and callable(getattr(Submission, name))
    named = set(re.findall(r"`net\.(\w+)\(", text))
    assert {"attribute", "parameter_shapes", "gradients", "train_steps", "load_parameters_from", "nudged_forwards"} <= named
    for name in named:
        assert callable(getattr(RemoteModule, name)), name


def test_the_page_bank_validates(bank):
    result = grader("validate", "--bank", bank)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bank is valid" in result.stdout


def test_the_page_bank_passes_selftest_with_every_mutant_caught(bank):
    result = grader("selftest", "--bank", bank)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "mutation score: 100% of 3 mutants caught" in result.stdout
    assert "no_relu" in result.stdout and "hidden_detached" in result.stdout


def test_the_named_mistake_reaches_the_student(bank, tmp_path):
    source = (bank / "solutions/two-layer/mlp.py").read_text()
    (tmp_path / "mlp.py").write_text(source.replace("self.output(relu(self.hidden(X)))", "self.output(self.hidden(X))"))
    result = grader("check", tmp_path, "--bank", bank, "--json", tmp_path / "r.json")
    assert result.returncode == 1
    report = (tmp_path / "r.json").read_text()
    assert "without the ReLU between them" in report


def test_the_page_checks_run_under_pytest(bank):
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "grader.checking.pytest_plugin", "-q", "-p", "no:cacheprovider",
                             str(bank / "exercises" / "two-layer")], cwd=bank.parent, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    # six on the CPU; matches-reference[cuda] is skipped without a GPU and passes with one
    assert re.search(r"\b(6 passed, 1 skipped|7 passed)\b", result.stdout), result.stdout[-1500:]
