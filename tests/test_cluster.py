"""`grader grade` on a Dask cluster: real LocalClusters of worker processes on 127.0.0.1, real SIGKILLs.

Lean on purpose (each LocalCluster and each warm grading process costs seconds): one class
graded by --jobs and by --cluster for the same grades; one code class during which a
worker is killed mid-task (nothing lost) while a poison submission's every worker is
killed (recorded failed after bounded tries); one coordinator killed mid-run and rerun.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from classfolders import answers_for, grader, make_class, write_student
from conftest import FIXTURE_BANK, REPO
from test_batch import final_grades, killed_midway_then_rerun

distributed = pytest.importorskip("distributed", reason="grader[cluster] is not installed")

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "400"}
QUICK = {**ENV, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}  # a scheduler that is not there: give up soon


def summary_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("graded "))


def add_hostile_folders(subs: Path) -> None:
    """Submissions whose files the reader refuses or flags: on a worker they must read the same."""
    ok = write_student(subs / "h-ok", "h-ok", answers_for("h-ok"))
    (write_student(subs / "h-link", "h-link", None) / "answers.yaml").symlink_to(ok / "answers.yaml")
    with open(write_student(subs / "h-big", "h-big", None) / "answers.yaml", "wb") as f:
        f.truncate(3_000_000)  # over the 1 MB cap
    os.mkfifo(write_student(subs / "h-pipe", "h-pipe", None) / "answers.yaml")
    (write_student(subs / "h-folder", "h-folder", None) / "answers.yaml").mkdir()
    odd = write_student(subs / "h-odd", "h-odd", answers_for("h-odd", {"no-bias"}))
    with open(os.fsencode(odd) + b"/caf\xe9.py", "wb") as f:  # a name that is not UTF-8
        f.write(b"x = 1\n")


def problems(gradebook: Path) -> dict:
    db = sqlite3.connect(gradebook)
    return dict(db.execute("SELECT student_id, problems FROM submissions WHERE current = 1"))


def test_a_cluster_grades_as_jobs_does_into_the_same_gradebook(tmp_path):
    subs = make_class(tmp_path / "class", size=8)
    add_hostile_folders(subs)
    local = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", tmp_path / "jobs.sqlite", "--jobs", "2")
    cluster = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", tmp_path / "cluster.sqlite", "--cluster", "local:2",
                     "--jobs", "1")  # ignored: a cluster is named
    assert cluster.returncode == local.returncode == 0, cluster.stdout + cluster.stderr
    assert summary_line(cluster.stdout) == summary_line(local.stdout)
    assert "graded 14, skipped 0 (unchanged), failed to grade 0" in cluster.stdout
    assert final_grades(tmp_path / "cluster.sqlite") == final_grades(tmp_path / "jobs.sqlite")
    found = problems(tmp_path / "cluster.sqlite")
    assert found == problems(tmp_path / "jobs.sqlite")  # the same messages: what the reader refused, it refused there
    for student, says in {"h-link": "symbolic link", "h-big": "over the 1 MB limit", "h-pipe": "a named pipe",
                          "h-folder": "a folder", "h-odd": "caf\\\\xe9.py"}.items():
        assert says in found[student], (student, found[student])
    db = sqlite3.connect(tmp_path / "cluster.sqlite")
    assert db.execute("SELECT jobs FROM runs").fetchall() == [(2,)]  # the cluster's workers, not --jobs
    folders = {row[0] for row in db.execute("SELECT folder FROM submissions")}
    assert folders == {str(path) for path in subs.iterdir()}  # the coordinator's paths, not the workers'
    # the same content hash and bank version on both sides: a cluster skips what --jobs graded
    again = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", tmp_path / "jobs.sqlite", "--cluster", "local:1")
    assert again.returncode == 0 and "graded 0, skipped 14 (unchanged), failed to grade 0" in again.stdout


def test_operator_mistakes_exit_2_with_a_message(tmp_path):
    subs = tmp_path / "class"
    write_student(subs / "ann", "ann", answers_for("ann"))
    book = ["--bank", FIXTURE_BANK, "--gradebook", tmp_path / "gb.sqlite"]
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cases = [(["--scheduler", "10.0.0.5"], "expected a scheduler address like tcp://"),
             (["--cluster", "local:0"], "expected local:N"),
             (["--scheduler", "tcp://127.0.0.1:1", "--cluster", "local:1"], "not both"),
             (["--scheduler", f"tcp://127.0.0.1:{port}"], "cannot reach the Dask scheduler")]
    for extra, message in cases:
        result = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(subs), *map(str, book + extra)],
                                capture_output=True, text=True, cwd=REPO, env=QUICK, timeout=120)
        assert result.returncode == 2 and message in result.stderr, (extra, result.stderr)
        assert "Traceback" not in result.stderr
    # without distributed installed: how to install it
    blocker = tmp_path / "blocker" / "distributed"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named distributed')\n")
    missing = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(subs), *map(str, book),
                              "--scheduler", "tcp://127.0.0.1:8786"], capture_output=True, text=True, cwd=REPO,
                             env={**QUICK, "PYTHONPATH": str(blocker.parent)}, timeout=120)
    assert missing.returncode == 2 and "pip install 'dl-grader[cluster]'" in missing.stderr, missing.stderr


def test_shipped_content_rebuilds_a_folder_with_the_same_hash(tmp_path):
    from grader.submissions.content import ContentRefused, from_wire, read_content, to_wire, write_content
    from grader.submissions.files import content_hash

    folder = tmp_path / "s1"
    folder.mkdir()
    (folder / "conv.py").write_text("def corr2d(X, K):\n    return X\n")
    with open(folder / "big.py", "wb") as f:
        f.truncate(5_000_000)  # over the 1 MB cap: travels by its size alone
    (folder / "ref.py").symlink_to(REPO / "solutions" / "corr2d" / "conv.py")
    (folder / "deep").mkdir()
    (folder / "deep" / "ignored.py").write_text("x = 1\n")
    os.mkfifo(folder / "pipe.py")
    (folder / ".hidden").write_text("never shipped")
    content = read_content(folder)
    assert {e.name: e.kind for e in content} == {b"conv.py": "file", b"big.py": "oversize", b"ref.py": "link",
                                                   b"deep": "folder", b"pipe.py": "pipe"}
    assert sum(len(e.data) for e in content) < 1000  # the reference and the sparse 5 MB never travel
    (tmp_path / "worker").mkdir()
    rebuilt = write_content(from_wire(to_wire(content)), tmp_path / "worker" / "s1")
    assert content_hash(rebuilt) == content_hash(folder)
    assert stat.S_ISFIFO(os.lstat(rebuilt / "pipe.py").st_mode) and os.readlink(rebuilt / "ref.py") == os.readlink(folder / "ref.py")
    for bad in ([(b"../x", "file", b"", 0)], [(b"a", "device", b"", 0)], [("a", "file", b"", 0)]):
        with pytest.raises(ContentRefused):
            from_wire(bad)
    with socket.socket(socket.AF_UNIX) as unix:
        unix.bind(str(folder / "sock"))
        with pytest.raises(ContentRefused, match="socket or a device"):
            read_content(folder)


def _code_bank(root: Path) -> Path:
    """A bank folder (exercises/ and solutions/ side by side) with corr2d alone."""
    shutil.copytree(REPO / "exercises" / "corr2d", root / "exercises" / "corr2d")
    shutil.copytree(REPO / "solutions" / "corr2d", root / "solutions" / "corr2d", symlinks=False)
    return root


def _grading_processes() -> set[int]:
    import psutil

    return {p.pid for p in psutil.process_iter(["cmdline"]) if "grader.classroom.cluster_process" in (p.info["cmdline"] or [])}


def test_worker_killed_mid_task_loses_nothing_and_a_poison_submission_fails_after_bounded_tries(tmp_path):
    import dask
    from distributed import Client, LocalCluster

    from grader.bank.loading import load_bank
    from grader.bank.version import bank_hash
    from grader.classroom.batch import folder_hash
    from grader.classroom.cluster import task_key

    bank = _code_bank(tmp_path / "bank")
    reference = (REPO / "solutions" / "corr2d" / "conv.py").read_text()
    subs = tmp_path / "class"
    for name in ("ann", "bob", "cat", "poison"):
        (subs / name).mkdir(parents=True)
        (subs / name / "conv.py").write_text("import time\ntime.sleep(3)\n" + reference)  # slow enough to kill mid-task
    version = bank_hash(bank / "exercises", load_bank(bank / "exercises"))
    options = {"public_only": False, "root_child": "refuse", "budget_seconds": None}
    poison = task_key("poison", folder_hash(subs / "poison"), version, options)
    before = _grading_processes()

    config = {"distributed.scheduler.allowed-failures": 1,  # a task whose workers died twice is given up
              "distributed.scheduler.worker-saturation": 1.0}  # a worker holds only the task it runs
    with dask.config.set(config), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", str(subs), "--bank", str(bank),
                                 "--gradebook", str(tmp_path / "gb.sqlite"), "--scheduler", cluster.scheduler_address],
                                cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        kills, honest_killed, seen = [], False, {}
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline and len(kills) < 6:
            for address, keys in client.processing().items():
                for key in keys:
                    seen.setdefault((address, key), time.monotonic())
                    if time.monotonic() - seen[(address, key)] < 1.0:
                        continue  # give it time to be well inside the task
                    if key == poison or not honest_killed:
                        pid = client.run(os.getpid, workers=[address])[address]
                        os.kill(pid, signal.SIGKILL)  # the worker process itself: its nanny starts a fresh one
                        kills.append(key)
                        honest_killed = honest_killed or key != poison
                        seen = {}
            time.sleep(0.1)
        out, errors = proc.communicate(timeout=240)
    assert proc.returncode == 1, out + errors
    assert honest_killed and kills.count(poison) == 2, kills
    assert "graded 3, skipped 0 (unchanged), failed to grade 1" in out, out + errors
    assert "every grading worker it ran on died while grading it (2 tries)" in errors
    grades = final_grades(tmp_path / "gb.sqlite")
    assert {student: grades[student][0] for student in ("ann", "bob", "cat")} == {"ann": 10, "bob": 10, "cat": 10}
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 4  # nothing recorded twice
    assert db.execute("SELECT status FROM submissions WHERE student_id = 'poison'").fetchone()[0] == "failed"
    protections = db.execute("SELECT protections FROM submissions WHERE status = 'graded'").fetchall()
    assert all("non-root-child" in row[0] for row in protections)  # each worker's sandbox, as locally
    for (row,) in protections:  # and a worker whose sandbox lacks a layer says so on stderr
        off = [name for name, on in json.loads(row) if not on]
        assert not off or f"sandbox protections off: {', '.join(off)}" in errors
    limit = time.monotonic() + 10  # the grading processes of killed workers end on their own
    while _grading_processes() - before and time.monotonic() < limit:
        time.sleep(0.2)
    assert not _grading_processes() - before


def test_coordinator_killed_midway_then_rerun_ends_with_the_grades_of_one_clean_run(tmp_path):
    killed_midway_then_rerun(tmp_path, 30, ["--cluster", "local:1"], ["--cluster", "local:2"], wait=180)


def test_the_plugin_refuses_another_bank_version_and_content_that_changed(tmp_path):
    from grader.bank.loading import load_bank
    from grader.bank.version import bank_files
    from grader.bank.version import bank_hash
    from grader.classroom.batch import folder_hash
    from grader.classroom.cluster_worker import GradingPlugin
    from grader.submissions.content import read_content, to_wire

    folder = write_student(tmp_path / "ann", "ann", answers_for("ann"))
    content = to_wire(read_content(folder))
    options = {"public_only": False, "root_child": "refuse", "budget_seconds": None}
    files = bank_files(FIXTURE_BANK)
    wrong = GradingPlugin(files, "0" * 64, options, 60)
    wrong.setup()
    try:
        assert "is not the coordinator's" in wrong.grade("ann", content, folder_hash(folder))["fatal"]
        assert wrong.process is None  # its grading process is stopped: nothing is graded on a bank it cannot vouch for
    finally:
        wrong.teardown()
    plugin = GradingPlugin(files, bank_hash(FIXTURE_BANK, load_bank(FIXTURE_BANK)), options, 60)
    plugin.setup()
    try:
        assert not plugin.problem
        changed = plugin.grade("ann", content, "f" * 64)  # planned with other content
        assert "differs from the folder that was planned" in changed["error"]
        graded = plugin.grade("ann", content, folder_hash(folder))
        assert graded["result"]["student_id"] == "ann" and graded["result"]["exercises"]
        assert "differs from the folder that was planned" in plugin.grade("ann", content, "f" * 64)["error"]
    finally:
        plugin.teardown()
    assert not plugin.scratch.exists()


def test_workers_running_other_grader_code_are_refused_before_anything_is_sent(tmp_path):
    """A scheduler and a worker started with Dask's own commands, the worker importing a grader
    whose sources differ by one comment: its grades could differ, so the run stops (exit 2)."""
    import json as jsonlib

    alt = tmp_path / "alt"
    shutil.copytree(REPO / "grader", alt / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    with open(alt / "grader" / "cluster.py", "a") as f:
        f.write("# another build\n")
    subs = tmp_path / "class"
    write_student(subs / "ann", "ann", answers_for("ann"))
    where = tmp_path / "scheduler.json"
    started = []
    try:
        started.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                         "--port", "0", "--no-dashboard", "--scheduler-file", str(where)],
                                        cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 60
        while not where.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written whole once it exists, but give it a moment
        address = jsonlib.loads(where.read_text())["address"]
        started.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(where),
                                         "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], cwd=tmp_path,
                                        env={**ENV, "PYTHONPATH": str(alt)}, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL))
        result = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(subs), "--bank", str(FIXTURE_BANK),
                                 "--gradebook", str(tmp_path / "gb.sqlite"), "--scheduler", address],
                                capture_output=True, text=True, cwd=REPO, env=ENV, timeout=180)
    finally:
        for process in reversed(started):
            process.kill()
            process.wait()
    assert result.returncode == 2, result.stdout + result.stderr
    assert "every worker needs the coordinator's grader" in result.stderr and "install the same grader" in result.stderr
    assert "Traceback" not in result.stderr
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0  # refused before the run was recorded
