"""Grading on a Dask cluster against local --jobs, side by side in one run on this machine.

The synthetic class of bench_batch.py (default 100 submissions: every quiz exercise, and
conv.py and lenet.py as the reference, a mutant or nothing) over a copy of the bank, then:

- `--jobs 2`: `grade_planned` with two local workers (what `grader grade --jobs 2` runs);
- `--cluster local:2`: the same on a 2-worker `LocalCluster(processes=True)` on 127.0.0.1;
  wall time from the call to the last commit, start-up included in both (spawn, bank,
  zygote; for the cluster also the scheduler, the workers and the plugin);
- the per-task overhead: one small submission (a student's answers.yaml alone) graded one
  at a time, 40 times after a warm-up, through a warm grading process directly (the pipe `--jobs` uses) and through
  the cluster (read and ship the content, schedule, rebuild and hash it on the worker, the
  same kind of warm process, the result back), in alternate rounds: the median of the
  paired differences, in milliseconds.

Usage: python bench/bench_cluster.py [--size N] [--code corr2d lenet] [--rounds 40]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_batch import copy_bank, make_class  # noqa: E402

from grader.classroom.batch import grade_planned, plan_class  # noqa: E402
from grader.classroom.cluster import ClusterPool, Target, task_key  # noqa: E402
from grader.classroom.cluster_process import GradingProcess  # noqa: E402
from grader.classroom.gradebook import Gradebook  # noqa: E402
from grader.bank.loading import load_bank  # noqa: E402
from grader.submissions.files import content_hash  # noqa: E402


def graded(root: Path, bank: Path, book: Path, **how) -> tuple[float, float, object]:
    """(wall seconds, seconds to the first commit: the start-up, summary)."""
    with Gradebook(book) as gradebook:
        plan = plan_class(root, bank, gradebook, force=True)
        started, done = time.perf_counter(), []
        summary = grade_planned(plan, gradebook, on_done=lambda student: done.append(time.perf_counter()), **how)
        return time.perf_counter() - started, done[0] - started, summary


def per_task(folder: Path, bank: Path, version: str, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds per round trip, one submission at a time, in alternate rounds (so the machine's other
    load falls on both alike): a warm grading process directly, and the same through the cluster."""
    from distributed import wait

    from grader.classroom.cluster_worker import grade_content
    from grader.submissions.content import read_content, to_wire

    options = {"public_only": False, "root_child": "refuse", "budget_seconds": None}
    process = GradingProcess(bank, options)
    process.start()
    started = time.perf_counter()
    pool = ClusterPool(Target(local=1), bank, version)
    pool.connect()  # the scheduler, one worker and its nanny, the plugin with the bank
    print(f"a 1-worker LocalCluster started and took the bank in {time.perf_counter() - started:.1f} s", flush=True)
    local, remote = [], []
    try:
        digest = content_hash(folder)
        for round_ in range(rounds + 2):
            started = time.perf_counter()
            assert "result" in process.grade(folder, 600)
            local.append(time.perf_counter() - started)
            started = time.perf_counter()
            content = to_wire(read_content(folder))  # what run() does per submission
            key = task_key(f"{folder.name}-{round_}", digest, version, options)  # a fresh key: no cached result
            future = pool.client.submit(grade_content, pool.plugin, folder.name, content, digest, key=key, pure=False)
            wait([future])
            assert b'"result"' in future.result()
            remote.append(time.perf_counter() - started)
    finally:
        process.stop()
        pool.close()
    return local[2:], remote[2:]  # the first two of each warm up


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--code", nargs="*", default=["corr2d", "lenet"])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        bank = work / "bank" / "exercises"
        left_out = copy_bank(bank, args.code)
        exercises = load_bank(bank)
        folders = make_class(work / "class", exercises, args.size)
        print(f"class: {args.size} submissions, {len(exercises)} exercises"
              + (f" (left out: {', '.join(left_out)})" if left_out else ""), flush=True)

        jobs_wall, jobs_first, jobs_summary = graded(work / "class", bank, work / "jobs.sqlite", jobs=2)
        cluster_wall, cluster_first, cluster_summary = graded(work / "class", bank, work / "cluster.sqlite",
                                                              cluster=Target(local=2))
        for name, wall, first, summary in (("--jobs 2", jobs_wall, jobs_first, jobs_summary),
                                           ("--cluster local:2", cluster_wall, cluster_first, cluster_summary)):
            print(f"{name:<18} {wall:7.1f} s  {60 * args.size / wall:6.1f} submissions/min  first commit after "
                  f"{first:4.1f} s, then {60 * (args.size - 1) / (wall - first):6.1f}/min  "
                  f"graded {summary.graded}, failed {summary.failed}, mean {summary.mean_percent:.1f}%", flush=True)
        print(f"cluster throughput / local: {jobs_wall / cluster_wall:.2f}x overall, "
              f"{(jobs_wall - jobs_first) / (cluster_wall - cluster_first):.2f}x after the first commit", flush=True)

        with Gradebook(work / "jobs.sqlite") as gradebook:
            version = plan_class(work / "class", bank, gradebook).version
        small = work / "small" / folders[0].name  # its answers alone: the trip is measured, not the checks
        small.mkdir(parents=True)
        for name in ("answers.yaml", "student.yaml"):
            shutil.copy(folders[0] / name, small / name)
        local, remote = per_task(small, bank, version, args.rounds)
        a, b = statistics.median(local), statistics.median(remote)
        paired = statistics.median(r - q for q, r in zip(local, remote))
        print(f"one submission at a time ({args.rounds} rounds, median): warm process {1000 * a:.1f} ms, "
              f"through the cluster {1000 * b:.1f} ms; per-task overhead {1000 * paired:.1f} ms "
              "(median of the paired differences)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
