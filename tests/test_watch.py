"""`grader watch`: real files, a real quiz worker and sandbox, real grading.

The library (`grader.watch.Watcher.regrade`) is driven directly, and once the whole command
as a subprocess that polls the folder, is edited, and is stopped with SIGINT.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import FIXTURE_BANK, REPO
from grader.bank.location import locate_bank
from grader.errors import SpecError
from grader.watch import Watcher, imported_modules, ignored, poll_changes, report_lines

EXAMPLE = REPO / "examples" / "submission"
BANK = locate_bank(None).exercises
FIXED_LENET = (EXAMPLE / "lenet.py").read_text().replace("MaxPool2d", "AvgPool2d")


@pytest.fixture
def submission(tmp_path) -> Path:
    folder = tmp_path / "ada"
    shutil.copytree(EXAMPLE, folder)
    return folder


def right_count(student: str = "ada-lovelace") -> int:
    from grader.bank.loading import load_bank
    from grader.bank.variants import draw

    p = draw({e.id: e for e in load_bank(BANK)}["conv-params"], student)
    return p["c_out"] * p["c_in"] * p["k"] ** 2 + p["c_out"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def by_id(regrade) -> dict:
    return {r.exercise_id: r for r in regrade.result.exercises}


def test_a_changed_answer_rejudges_only_its_quiz(submission):
    with Watcher(submission, BANK, only=["conv-params", "conv-shape", "pooling"]) as watcher:
        first = watcher.start()
        assert {r.exercise_id for r in first.regraded} == {"conv-shape", "conv-params", "pooling"}
        before = by_id(first)
        edit(submission / "answers.yaml", "count: 504 ", f"count: {right_count()} ")
        again = watcher.regrade([submission / "answers.yaml"])
        assert [r.exercise_id for r in again.regraded] == ["conv-params"]
        after = by_id(again)
        assert after["conv-shape"] is before["conv-shape"] and after["pooling"] is before["pooling"]  # not rerun
        assert after["conv-params"].score == before["conv-params"].score + 2
        assert again.result.score == first.result.score + 2
        lines = report_lines(again)
        assert any("conv-params" in line and "6/6" in line for line in lines)
        assert lines[-1].startswith("total ") and "regraded 1" in lines[-1]

        # the same answers saved again (an editor's second write, a touch): nothing to judge
        (submission / "answers.yaml").write_text((submission / "answers.yaml").read_text())
        assert watcher.regrade([submission / "answers.yaml"]) is None

        # a half-saved, broken answers.yaml keeps the quiz results and says why
        (submission / "answers.yaml").write_text("conv-params: [\n")
        broken = watcher.regrade([submission / "answers.yaml"])
        assert broken.regraded == () and broken.result.score == again.result.score
        assert any("kept the quiz results" in note for note in broken.notes)


def test_a_fixed_lenet_raises_its_score_and_a_broken_save_is_reported(submission):
    with Watcher(submission, BANK, only=["lenet", "conv-params"]) as watcher:
        first = by_id(watcher.start())["lenet"]
        assert first.score < first.max_score

        (submission / "lenet.py").write_text(FIXED_LENET)
        fixed = watcher.regrade([submission / "lenet.py"])
        assert [r.exercise_id for r in fixed.regraded] == ["lenet"]
        assert fixed.regraded[0].score > first.score and fixed.regraded[0].score == fixed.regraded[0].max_score

        (submission / "lenet.py").write_text("class LeNet(nn.Module:\n    pass\n")
        broken = watcher.regrade([submission / "lenet.py"])
        assert broken.regraded[0].score == 0
        assert "syntax error" in broken.regraded[0].message
        line = next(line for line in report_lines(broken) if "lenet" in line and "/" in line)
        assert "syntax error at line 1" in line and line.count("syntax error") == 1  # one reason, said once

        (submission / "lenet.py").write_text(FIXED_LENET)  # the sandbox still serves after a broken save
        assert watcher.regrade([submission / "lenet.py"]).regraded[0].score == fixed.regraded[0].score


def test_temp_files_caches_and_other_files_change_nothing(submission):
    with Watcher(submission, BANK, only=["conv-params", "lenet"]) as watcher:
        watcher.start()
        temps = [".lenet.py.swp", "lenet.py~", ".#lenet.py", "#lenet.py#", "4913", "notes.txt", "lenet.py.tmp"]
        for name in temps:
            (submission / name).write_text("x")
        (submission / "__pycache__").mkdir()
        (submission / "__pycache__" / "lenet.cpython-311.pyc").write_bytes(b"\0")
        (submission / "data").mkdir()
        (submission / "data" / "lenet.py").write_text("x")
        changed = [submission / n for n in temps] + [submission / "__pycache__" / "lenet.cpython-311.pyc",
                                                     submission / "data" / "lenet.py"]
        assert watcher.regrade(changed) is None
        assert watcher.regrades == 0
    assert all(ignored(name) for name in temps[:5]) and not ignored("lenet.py")


def test_a_companion_module_regrades_the_exercise_that_imports_it(submission):
    (submission / "pooling_helpers.py").write_text("import torch\nfrom torch import nn\nPool = nn.AvgPool2d\n")
    (submission / "lenet.py").write_text(FIXED_LENET.replace("import torch\n", "import torch\nfrom pooling_helpers import Pool\n")
                                         .replace("nn.AvgPool2d", "Pool"))
    with Watcher(submission, BANK, only=["lenet", "corr2d", "conv-params"]) as watcher:
        first = by_id(watcher.start())
        assert first["lenet"].score == first["lenet"].max_score
        (submission / "pooling_helpers.py").write_text("import torch\nfrom torch import nn\nPool = nn.MaxPool2d\n")
        again = watcher.regrade([submission / "pooling_helpers.py"])
        assert [r.exercise_id for r in again.regraded] == ["lenet"]  # not corr2d, which does not import it
        assert again.regraded[0].score < first["lenet"].score

        # student.yaml decides whose variants the quizzes are: everything is graded again
        (submission / "student.yaml").write_text("id: grace-hopper\n")
        everything = watcher.regrade([submission / "student.yaml"])
        assert {r.exercise_id for r in everything.regraded} == {"lenet", "corr2d", "conv-params"}
        assert everything.result.student_id == "grace-hopper"


def test_imports_are_read_even_from_a_file_with_a_syntax_error():
    source = "import os, attention as att\nfrom .helpers import x\nfrom . import layers\nfrom torch import nn\ndef f(:\n"
    assert imported_modules(source) >= {"os", "attention", "helpers", "layers", "torch"}


def test_an_unknown_exercise_is_a_spec_error(submission):
    with pytest.raises(SpecError, match="no exercise 'nope'"):
        Watcher(submission, BANK, only=["nope"])


def test_a_changed_bank_is_loaded_again_and_everything_regraded(tmp_path):
    bank = tmp_path / "course" / "exercises"
    shutil.copytree(FIXTURE_BANK, bank)
    folder = tmp_path / "alex"
    folder.mkdir()
    (folder / "answers.yaml").write_text("layer-count:\n  ratio: 1/3\n")
    with Watcher(folder, bank) as watcher:
        first = watcher.start()
        spec = bank / "layer-count" / "spec.yaml"
        assert watcher.regrade([spec]) is None  # saved unchanged: same version, nothing to do
        text = spec.read_text()
        spec.write_text(text.replace("title:", "title: New", 1))
        again = watcher.regrade([spec])
        assert any("bank changed" in note for note in again.notes)
        assert {r.exercise_id for r in again.regraded} == {r.exercise_id for r in first.regraded}
        spec.write_text("id: [\n")
        broken = watcher.regrade([spec])
        assert any("does not load" in note for note in broken.notes) and broken.regraded == ()
        assert broken.result.score == again.result.score


def test_polling_groups_a_burst_of_saves_into_one_change(tmp_path):
    (tmp_path / "lenet.py").write_text("a")
    stop = threading.Event()
    changes = poll_changes(tmp_path, stop=stop, interval=0.05)
    assert next(changes) == set()  # said at once: watching has begun

    def save_twice():
        time.sleep(0.2)
        (tmp_path / "lenet.py").write_text("bb")
        (tmp_path / ".lenet.py.swp").write_text("x")
        (tmp_path / "lenet.py").write_text("ccc")

    writer = threading.Thread(target=save_twice)
    writer.start()
    try:
        assert next(changes) == {str(tmp_path / "lenet.py")}
    finally:
        writer.join()
        stop.set()
    assert list(changes) == []  # the stop event ends it


def read_until(process, predicate, timeout: float = 90) -> list[str]:
    """Lines of the process's stdout up to the first one `predicate` accepts."""
    lines: list[str] = []
    result: list[str] = []

    def reader():
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if predicate(lines[-1]):
                result.append("found")
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(timeout)
    assert result, f"no such line within {timeout} s; got: {lines}"
    return lines


def test_the_command_regrades_a_saved_answer_and_stops_on_sigint(submission):
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen([sys.executable, "-m", "grader.cli", "watch", str(submission), "-e", "conv-params",
                                "-e", "lenet", "--poll"], cwd=REPO, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = read_until(process, lambda line: line.startswith("total "))
        assert "polling every 0.2 s" in first[0]
        assert any("conv-params" in line and "you wrote 504" in line for line in first)
        edit(submission / "answers.yaml", "count: 504 ", "count: 514 ")
        again = read_until(process, lambda line: line.startswith("total "))
        assert any("changed: answers.yaml" in line for line in again)
        assert any("conv-params" in line and "you wrote 514" in line for line in again)
        assert not any("lenet" in line for line in again)
        assert "regraded 1" in again[-1]
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, errors
    assert "stopped watching" in rest


def test_a_file_swapped_for_a_link_into_the_bank_is_refused_not_taken_for_a_bank_edit(submission):
    """conv.py replaced by a link to the reference: the student's conv.py, refused as `check` refuses it."""
    with Watcher(submission, BANK, only=["corr2d", "conv-params"]) as watcher:
        first = by_id(watcher.start())["corr2d"]
        assert first.score > 0
        (submission / "conv.py").unlink()
        (submission / "conv.py").symlink_to(REPO / "solutions" / "corr2d" / "conv.py")
        again = watcher.regrade([submission / "conv.py"])
        assert again is not None and [r.exercise_id for r in again.regraded] == ["corr2d"]
        assert again.regraded[0].score == 0 and "symbolic link" in again.regraded[0].message
        assert not any("bank changed" in note for note in again.notes)


class Lines:
    """What `watch` says, collected from its thread, waited on line by line."""

    def __init__(self):
        self.lines: list[str] = []
        self.seen = 0
        self.changed = threading.Condition()

    def say(self, line: str) -> None:
        with self.changed:
            self.lines.append(line)
            self.changed.notify_all()

    def wait_for(self, predicate, timeout: float = 60) -> list[str]:
        """The lines said since the last wait, up to the first that `predicate` accepts."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for index in range(self.seen, len(self.lines)):
                    if predicate(self.lines[index]):
                        said, self.seen = self.lines[self.seen:index + 1], index + 1
                        return said
                left = deadline - time.monotonic()
                assert left > 0, f"no such line within {timeout} s; got: {self.lines[self.seen:]}"
                self.changed.wait(left)


@pytest.mark.parametrize("how", ["poll", "watchfiles"])
@pytest.mark.parametrize("gap", [0.0, 1.0], ids=["made-again-at-once", "gone-a-while"])
def test_a_folder_deleted_and_made_again_is_waited_for_and_watched_again(submission, tmp_path, how, gap):
    """As `git checkout` or an editor does it: the folder goes and comes back (at once, or later)."""
    from grader.watch import watch, watchfiles_available

    if how == "watchfiles" and not watchfiles_available():
        pytest.skip("watchfiles is not installed")
    saved = tmp_path / "saved"
    shutil.copytree(submission, saved)
    lines, stop, failed = Lines(), threading.Event(), []

    def run():
        try:
            with Watcher(submission, BANK, only=["conv-params"]) as watcher:
                watch(watcher, lines.say, poll=how == "poll", stop=stop)
        except BaseException as error:  # the test reports it, not the thread
            failed.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        lines.wait_for(lambda line: line.startswith("total "))
        shutil.rmtree(submission)
        if gap:
            lines.wait_for(lambda line: "is gone" in line and "waiting for it" in line)
            time.sleep(gap)
        edit(saved / "answers.yaml", "count: 504 ", "count: 514 ")
        shutil.copytree(saved, submission)
        back = lines.wait_for(lambda line: "conv-params" in line and "you wrote 514" in line)
        back += lines.wait_for(lambda line: line.startswith("total "))
        if gap:
            assert any("is a new folder now" in line for line in back), back
        edit(submission / "answers.yaml", "count: 514 ", "count: 524 ")  # saves in the new folder are watched
        again = lines.wait_for(lambda line: line.startswith("total "))
        # answers.yaml is among the changes (a poll may also see the copy's last files land with it)
        assert any("changed:" in line and "answers.yaml" in line for line in again), again
        assert any("you wrote 524" in line for line in again), again
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive() and not failed, failed
