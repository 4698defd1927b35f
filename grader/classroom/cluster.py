"""Grading a class on a Dask `distributed` cluster: the coordinator's side.

`grader grade DIR --scheduler tcp://HOST:PORT` (workers started by the operator) or
`--cluster local:N` (a `LocalCluster` of N worker processes on 127.0.0.1) grades what
`--jobs` would, into the same gradebook, with the same progress and summary; only the
coordinating process writes the gradebook. `ClusterPool.run` yields the same `Outcome`s
as `WorkerPool.run`, so `batch.grade_planned` records them the same way.

- The bank travels once per worker inside `cluster_worker.GradingPlugin` (a worker that
  joins later or is restarted gets it from the scheduler); each worker checks the
  bank's version hash there and every task refuses a mismatch with a message.
- A submission travels as content (`submission_content`), never as a path, at most
  `window` of them at a time, so the coordinator holds a bounded amount in memory.
- A task's key is a hash of everything its grade depends on (the folder's name, its
  content hash, the bank version, the options), so the scheduler holds one task per
  distinct submission however often it is sent.
- The language chosen here travels with the plugin and with each task: a worker, whatever
  its own locale, grades and words the task's messages in it (`grader.i18n.speaking`).
- A worker that dies mid-task (SIGKILL, out of memory) has its task rescheduled by Dask on
  another; a submission whose every worker died is given up by the scheduler after its
  `distributed.scheduler.allowed-failures` (3 by default: 4 tries) and recorded failed.
- A coordinator killed mid-run loses only the gradings not yet committed: the gradebook
  is the ledger of what is done, and the next run plans (and ships) exactly the rest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.bank.version import bank_files
from grader.classroom.workers import Outcome
from grader.errors import GraderError
from grader.i18n import N_, _, language

MISSING = N_("grading on a cluster needs Dask's distributed, an optional extra: "
             "pip install 'dl-grader[cluster]' (or pip install distributed)")
WORKERS_SECONDS = 60.0  # for a first worker to join the scheduler
WAIT_SECONDS = 10.0  # between looks at the cluster while tasks run
_ADDRESS = re.compile(r"(tcp|tls)://[^\s/]+:\d{1,5}")
_LOCAL = re.compile(r"local:(\d{1,3})")


@dataclass(frozen=True)
class Target:
    """Where to grade: a running scheduler's address, or a LocalCluster of `local` workers."""

    scheduler: str = ""
    local: int = 0

    def __str__(self) -> str:
        return self.scheduler or f"local:{self.local}"


def _connect_timeout() -> float:
    """Dask's connect timeout (distributed.comm.timeouts.connect, e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s)."""
    import dask
    from dask.utils import parse_timedelta

    return parse_timedelta(dask.config.get("distributed.comm.timeouts.connect", "30s"))


def target(scheduler: str | None, cluster: str | None) -> Target | None:
    """The cluster the `grade` options name (None: grade with --jobs), or a usage error."""
    if scheduler and cluster:
        raise GraderError(_("pass either --scheduler or --cluster, not both"))
    if scheduler:
        if not _ADDRESS.fullmatch(scheduler):
            raise GraderError(_("--scheduler {address!r}: expected a scheduler address like tcp://10.0.0.5:8786").format(address=scheduler))
        return Target(scheduler=scheduler)
    if cluster:
        found = _LOCAL.fullmatch(cluster)
        if not found or not 1 <= int(found[1]) <= 256:
            raise GraderError(_("--cluster {cluster!r}: expected local:N with N workers from 1 to 256, like local:4").format(cluster=cluster))
        return Target(local=int(found[1]))
    return None


def task_key(name: str, content_hash: str, version: str, options: dict) -> str:
    """A content hash of everything a grading depends on: one task per distinct submission."""
    text = json.dumps([name, content_hash, version, options], sort_keys=True)
    return "grade-" + hashlib.sha256(text.encode()).hexdigest()[:40]


class ClusterPool:
    """Grade folders on a Dask cluster; `run` yields an Outcome per folder as each ends."""

    def __init__(self, where: Target, bank: Path, version: str, *, public_only: bool = False, deadline: float = 600.0,
                 root_child: str = "refuse", budget_seconds: float | None = None, connect_seconds: float | None = None,
                 only: Sequence[str] = ()):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise GraderError(_(MISSING)) from None
        self.where, self.bank, self.version, self.deadline = where, Path(bank), version, deadline
        self.options = {"public_only": public_only, "root_child": root_child, "budget_seconds": budget_seconds}
        if only:
            self.options["only"] = list(only)  # `grade -e`: the workers grade just these
        self.connect_seconds = connect_seconds or _connect_timeout()  # Dask's own setting unless told
        self.plugin = "grader-" + hashlib.sha256(json.dumps([version, self.options, deadline]).encode()).hexdigest()[:16]
        self.addresses: list[str] = []  # every worker that returned a grading, in order: Outcome.worker indexes it
        self.stack = ExitStack()
        self.client = None
        self.jobs = where.local
        self._count, self._counted = max(1, where.local), 0.0

    def connect(self) -> None:
        """Reach the scheduler (or start the local cluster), check the workers, send the bank."""
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> None:
        from distributed import Client, LocalCluster

        from grader.classroom.cluster_worker import GradingPlugin, code_hash, worker_facts

        address = self.where.scheduler
        if self.where.local:
            cluster = LocalCluster(n_workers=self.where.local, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, silence_logs=logging.ERROR)
            self.stack.callback(cluster.close)
            address = cluster.scheduler_address
        try:
            self.client = Client(address, timeout=self.connect_seconds)
        except (OSError, TimeoutError) as error:
            raise GraderError(_("cannot reach the Dask scheduler at {address} ({reason}); start one with `dask scheduler` "
                                "and workers with `dask worker ADDRESS --nthreads 1`").format(address=address, reason=error)) from None
        self.stack.callback(self.client.close)
        try:
            self.client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except TimeoutError:
            raise GraderError(_("the Dask scheduler at {address} has no workers after {seconds:.0f} s; start some with "
                                "`dask worker ADDRESS --nthreads 1`").format(address=address, seconds=WORKERS_SECONDS)) from None
        try:
            facts = self.client.run(worker_facts)
        except Exception as error:  # noqa: BLE001 - a worker without grader cannot unpickle the call
            raise GraderError(_("the cluster's workers cannot run grader ({kind}: {reason}); install grader {version} "
                                "(pip install 'dl-grader[cluster]=={version}') on every worker").format(
                kind=type(error).__name__, reason=error, version=__version__)) from None
        ours = code_hash()
        wrong = sorted(_("{worker} has grader {version} ({code})").format(worker=worker, version=fact["grader"],
                                                                          code=fact["code"][:12])
                       for worker, fact in facts.items() if (fact["grader"], fact["code"]) != (__version__, ours))
        if wrong:
            raise GraderError(_("every worker needs the coordinator's grader {version} (sources {code}), or their grades "
                                "could differ: {workers}; install the same grader everywhere").format(
                version=__version__, code=ours[:12], workers="; ".join(wrong)))
        self.jobs = self._count = len(facts)
        self.client.register_plugin(GradingPlugin(bank_files(self.bank), self.version, self.options, self.deadline,
                                                  language()), name=self.plugin)
        self.stack.callback(self._unregister)

    def _unregister(self) -> None:
        try:  # stops the warm grading processes on a cluster that outlives this run
            self.client.unregister_worker_plugin(self.plugin)
        except Exception:  # noqa: BLE001 - the cluster is going away anyway
            pass

    def close(self) -> None:
        self.stack.close()

    def _workers(self, fresh: bool = False) -> int:
        """How many workers the cluster has now (at most every few seconds asked, unless `fresh`)."""
        if fresh or time.monotonic() - self._counted > 5:
            try:
                self._count = len(self.client.scheduler_info(n_workers=-1)["workers"])
            except Exception:  # noqa: BLE001 - keep the last count
                pass
            self._counted = time.monotonic()
        return self._count if fresh else max(1, self._count)

    def run(self, folders: Sequence[Path], hashes: Sequence[str]) -> Iterator[Outcome]:
        """Ship and grade `folders` (whose content hashes were planned as `hashes`), a window at a time."""
        from distributed import wait
        from distributed.scheduler import KilledWorker

        if not folders:
            return
        if self.client is None:
            self.connect()
        try:
            pending = list(enumerate(zip(folders, hashes)))
            pending.reverse()
            running: dict = {}  # future -> (index, folder)
            idle_since = None
            while pending or running:
                yield from self._ship(pending, running)
                if not running:
                    continue
                try:
                    finished = wait(list(running), timeout=WAIT_SECONDS, return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    finished = set()
                except Exception:  # noqa: BLE001 - some were cancelled: each says so through its outcome
                    finished = {future for future in running if future.done()}
                for future in finished:
                    index, folder = running.pop(future)
                    yield self._outcome(index, folder, future, KilledWorker)
                idle_since = None if finished or self._workers(fresh=True) else (idle_since or time.monotonic())
                if idle_since and time.monotonic() - idle_since > WORKERS_SECONDS:
                    raise GraderError(_("the Dask cluster at {address} has had no workers for {seconds:.0f} s while "
                                        "submissions wait; start workers and grade again (what is recorded stays)").format(
                        address=self.where, seconds=WORKERS_SECONDS))
        finally:
            self.close()

    def _ship(self, pending: list, running: dict) -> Iterator[Outcome]:
        """Send submissions until `window` are on the cluster; content that cannot travel fails at once."""
        from grader.classroom.cluster_worker import grade_content
        from grader.submissions.content import ContentRefused, read_content, to_wire

        window = 2 * self._workers() + 2  # one running and one on its way per worker, and a spare
        while pending and len(running) < window:
            index, (folder, content_hash) = pending.pop()
            try:
                content = to_wire(read_content(folder))
            except (ContentRefused, OSError) as refused:
                yield Outcome(index, None, _("it cannot be sent to a cluster worker: {reason}").format(reason=refused))
                continue
            key = task_key(folder.name, content_hash, self.version, self.options)
            future = self.client.submit(grade_content, self.plugin, folder.name, content, content_hash, language(),
                                        key=key, pure=False, retries=0)
            running[future] = (index, folder)

    def _outcome(self, index: int, folder: Path, future, killed) -> Outcome:
        try:
            message = json.loads(future.result())
        except (KeyboardInterrupt, SystemExit):
            raise
        except killed as error:
            return Outcome(index, None, _("every grading worker it ran on died while grading it ({tries} tries); it was "
                                          "not tried again").format(tries=error.allowed_failures + 1))
        except BaseException as error:  # noqa: BLE001 - ours, or cancelled: recorded, the batch goes on
            if self.client.status != "running":
                raise GraderError(_("lost the Dask scheduler at {address} ({kind}); grade again to finish: what is recorded "
                                    "stays").format(address=self.where, kind=type(error).__name__)) from None
            return Outcome(index, None, _("internal error on a cluster worker: {kind}: {reason}").format(
                kind=type(error).__name__, reason=str(error)[:300]))
        if "fatal" in message:
            raise GraderError(message["fatal"])
        where = message.get("worker", "")
        if where not in self.addresses:
            self.addresses.append(where)
        result = message.get("result")
        if result is not None:
            result["submission"] = str(folder)  # as --jobs has it, not the worker's scratch copy
        return Outcome(index, result, message.get("error", ""), message.get("peak_rss_kb", 0), self.addresses.index(where),
                       where=where)
