"""Run an exercise's checks under plain pytest, for authors writing or debugging them.

    pytest -p grader.pytest_plugin exercises/lenet/checks exercises/lenet/public
    pytest -p grader.pytest_plugin exercises/lenet --submission examples/submission

The fixtures are the grader's own: `submission` (remote handles on the module, which
runs in the sandbox), `reference` (the solution, imported here) and `device`. Without
`--submission` the reference solution plays the student, so every check should pass.
Grading itself does not use pytest sessions (see checks.py); this plugin is loaded only
when asked for with `-p`, never into a student's pytest runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.spec import CodeExercise, load_exercise


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader")
    group.addoption("--submission", type=Path, help="submission folder to check (default: the reference solution)")
    group.addoption("--solutions", type=Path, help="folder of reference solutions (default: the bundled solutions/)")


def _exercise_folder(path: Path) -> Path | None:
    folder = path.parent.parent
    return folder if path.parent.name in ("checks", "public") and (folder / "spec.yaml").is_file() else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    """Collect check files by where they are (checks/, public/), whatever their names."""
    if file_path.suffix == ".py" and _exercise_folder(file_path) and not file_path.name.startswith("test_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture(scope="session")
def _code_grader(request):
    from grader.codegrade import CodeGrader

    with CodeGrader(solutions=request.config.getoption("--solutions")) as grader:
        yield grader


@pytest.fixture
def exercise(request) -> CodeExercise:
    folder = _exercise_folder(Path(request.path))
    if folder is None:
        pytest.fail("grader's fixtures serve check files in an exercise's checks/ or public/ folder")
    return load_exercise(folder)


@pytest.fixture
def reference(_code_grader, exercise):
    return _code_grader.reference(exercise, _code_grader.solutions)


@pytest.fixture
def submission(request, _code_grader, exercise):
    from grader.remote import Submission
    from grader.session import Session, student_code

    folder = request.config.getoption("--submission") or _code_grader.solutions / exercise.id
    path = Path(folder) / exercise.file
    if not path.is_file():
        pytest.skip(f"{path} does not exist")
    source, companions = student_code(Path(folder), exercise.file)
    session = Session(_code_grader.sandbox, exercise.file, source, exercise.limits, companions=companions)
    yield Submission(session)
    session.close()


@pytest.fixture(params=["cpu", "cuda"])
def device(request) -> str:
    import torch

    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("no GPU on this machine")
    return request.param
