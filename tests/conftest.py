"""Shared fixtures: the small test bank, and golden files for rendered reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.i18n import set_language
from grader.judge.equivalence import Domain, judge, judge_in_process

# grader speaks the machine's language; the tests read English (here and in the commands they start,
# through GRADER_LANG), whoever runs them, except where a test chooses otherwise (tests/test_i18n_cli.py)
set_language("en")

HERE = Path(__file__).parent
FIXTURE_BANK = HERE / "fixtures" / "bank"
REPO = HERE.parent


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", help="Rewrite tests/golden/* from the current output.")


@pytest.fixture
def fixture_bank() -> Path:
    return FIXTURE_BANK


@pytest.fixture
def golden(request):
    """Compare text with tests/golden/NAME (or rewrite it with --update-goldens)."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, text: str) -> None:
        path = HERE / "golden" / name
        if update or not path.exists():
            if not update:
                pytest.fail(f"golden file {path} is missing; run pytest --update-goldens and review it")
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file; review, then --update-goldens"

    return check


def write_spec(folder: Path, text: str) -> Path:
    """Write `text` as folder/spec.yaml (creating the folder) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.yaml").write_text(text, encoding="utf-8")
    return folder


# The judge's tests: each case through the worker process and in process, on plain domains.
both_ways = pytest.mark.parametrize("how", [judge, judge_in_process], ids=["worker", "in-process"])


def real(low, high) -> Domain:
    return Domain("real", low, high)


def integer(low, high) -> Domain:
    return Domain("integer", low, high)
