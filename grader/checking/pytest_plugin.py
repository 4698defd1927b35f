"""Run an exercise's checks under plain pytest, for authors writing or debugging them.

    pytest -p grader.checking.pytest_plugin exercises/lenet/checks exercises/lenet/public
    pytest -p grader.checking.pytest_plugin exercises/lenet --submission examples/submission

The fixtures are the grader's own: `submission` (remote handles on the module, which
runs in the sandbox), `reference` (the solution, imported here), `device` and `edition`. Without
`--submission` the reference solution plays the student, so every check should pass.
References are found as every command finds them (grader.bank.location): in the
`solutions/` beside the check's `exercises/` folder, or that of `--bank DIR`. A missing
reference or submission file fails the check, never skips it: a skipped check looks
like a passing one in a hurried run.
Grading itself does not use pytest sessions (see checks.py); this plugin is loaded only
when asked for with `-p`, never into a student's pytest runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.bank.spec import CodeExercise

from grader.bank.loading import load_exercise


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader")
    group.addoption("--submission", type=Path, help="submission folder to check (default: the reference solution)")
    group.addoption("--bank", type=Path, help="the bank whose solutions/ serve as references (default: the bank "
                                              "holding the check file)")
    group.addoption("--solutions", type=Path, help="folder of reference solutions (overrides --bank's)")


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
    from grader.bank.location import locate_bank
    from grader.checking.codegrade import CodeGrader
    from grader.errors import GraderError

    solutions, bank = request.config.getoption("--solutions"), request.config.getoption("--bank")
    if solutions is None and bank is not None:
        try:
            solutions = locate_bank(bank).solutions
        except GraderError as error:
            raise pytest.UsageError(str(error)) from None
    with CodeGrader(solutions=solutions) as grader:
        yield grader


@pytest.fixture
def exercise(request) -> CodeExercise:
    folder = _exercise_folder(Path(request.path))
    if folder is None:
        pytest.fail("grader's fixtures serve check files in an exercise's checks/ or public/ folder")
    return load_exercise(folder)


def _reference(grader, exercise, asked_by: str):
    from grader.errors import GraderError

    try:
        return grader.reference(exercise, asked_by=asked_by)
    except GraderError as error:  # the author's: a missing or broken reference fails loudly
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def reference(request, _code_grader, exercise):
    return _reference(_code_grader, exercise, request.node.name)


@pytest.fixture
def submission(request, _code_grader, exercise):
    from grader.checking.remote import Submission
    from grader.checking.session import Session, student_code

    folder = request.config.getoption("--submission")
    if folder is None:  # the reference plays the student
        _reference(_code_grader, exercise, f"{request.node.name}, run against the reference,")
        folder = _code_grader.solutions_of(exercise) / exercise.id
    path = Path(folder) / exercise.file
    if not path.is_file():
        pytest.fail(f"{path} does not exist: {exercise.file} not submitted", pytrace=False)
    source, companions, notebook = student_code(Path(folder), exercise.file, exercise.defined_names)
    session = Session(_code_grader.sandbox, exercise.file, source, exercise.limits, companions=companions,
                      notebook=notebook, cuda=_code_grader.cuda and "cuda" in exercise.devices)
    yield Submission(session)
    session.close()


@pytest.fixture
def edition(exercise) -> str:
    """The edition the checks are written in (the exercise's first), "" where it lists none: under
    plain pytest the submission is not read as another edition (grading does that)."""
    return next(iter(exercise.editions), "")


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    from grader.checking import tolerances
    from grader.sandbox import gpu

    if request.param == "cuda" and not gpu.present():  # NVML: no CUDA context in this process
        pytest.skip("no GPU on this machine")
    token = tolerances.CURRENT_DEVICE.set(request.param)  # expect_close's default, as in checks.run
    yield request.param
    tolerances.CURRENT_DEVICE.reset(token)
