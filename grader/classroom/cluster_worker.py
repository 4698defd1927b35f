"""The worker side of grading on a Dask cluster: a plugin with a warm grading process.

`GradingPlugin` travels to every Dask worker once (the scheduler hands it to workers that
join later, and to a worker the nanny restarts). It carries the bank's files; on the
worker it writes them into a scratch folder, checks that the bank's version there (its
files and the reference solutions of the grader installed there) is the coordinator's,
and starts one grading process: `grader.classroom.workers._serve`, the very loop of `--jobs`, with
its own sandbox zygote, kept warm across tasks (`grader.classroom.cluster_process`: started with
`subprocess`, since Dask's worker processes are daemonic and may not start
multiprocessing children).

A task (`grade_content`) rebuilds one submission from its shipped content in a scratch
folder of the same name, checks its content hash, hands the folder to the warm process and
returns what came back as JSON bytes: results hold student-written text, and the process
that graded is only trusted to send JSON, as with `--jobs`. The deadline, a dead grading
process (a fresh one takes its place) and a fatal error (a broken check, a root child
refused) are handled as `WorkerPool` handles them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from distributed import WorkerPlugin, get_worker

from grader import __version__
from grader.classroom.cluster_process import GradingProcess
from grader.i18n import ENGLISH, _, speaking


class GradingPlugin(WorkerPlugin):
    """The bank and the grading options, shipped once to each worker; a warm grading process there."""

    idempotent = True  # a rerun with the same bank and options keeps the warm process

    def __init__(self, bank_files: list[tuple[str, bytes, bool]], version: str, options: dict, deadline: float,
                 language: str = ENGLISH):
        self.bank_files, self.version, self.options, self.deadline = bank_files, version, options, deadline
        self.language = language  # the client's: what this worker says, and its grading process starts in
        self.problem = ""  # why this worker cannot grade: every task says so, and the batch stops

    def setup(self, worker=None) -> None:
        with speaking(self.language):
            self._setup(worker)

    def _setup(self, worker) -> None:
        self.lock = threading.Lock()
        # in the worker's own folder, which Dask clears after a worker that was killed
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-cluster-", dir=getattr(worker, "local_directory", None)))
        self.address = getattr(worker, "address", "") or ""
        self.process = None
        self.checked = False  # the bank's version is checked by the first task, off the worker's event loop
        try:
            self.exercises = _install(self.bank_files, self.scratch)
        except Exception as error:  # noqa: BLE001 - reported by every task, never a worker that will not start
            self.problem = _("the bank could not be installed on worker {worker}: {kind}: {reason}").format(
                worker=self.address, kind=type(error).__name__, reason=error)
            return
        self.process = GradingProcess(self.exercises, self.options, self.language)
        self.process.start()  # it imports torch and starts its zygote while the first task is on its way

    def _check(self) -> None:
        """Once: the bank here must have the coordinator's version, else no task is graded here."""
        if self.checked:
            return
        self.checked = True
        try:
            self.problem = _version_problem(self.exercises, self.version, self.address)
        except Exception as error:  # noqa: BLE001 - the shipped bank does not load here
            self.problem = _("the bank does not load on worker {worker}: {kind}: {reason}").format(
                worker=self.address, kind=type(error).__name__, reason=error)
        if self.problem and self.process is not None:
            self.process.kill()
            self.process = None

    def teardown(self, worker=None) -> None:
        if self.process is not None:
            self.process.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def grade(self, name: str, content: list, content_hash: str, language: str | None = None) -> dict:
        """Grade one shipped submission in `language` (the client's; the plugin's when None)."""
        from grader.submissions.content import ContentRefused, from_wire, write_content
        from grader.submissions.files import content_hash as hash_of

        language = language or self.language
        with self.lock, speaking(language):  # one submission at a time per warm process
            self._check()
            if self.problem:
                return {"fatal": self.problem}
            if self.process is not None and self.process.language != language:  # a client of another language
                self.process.stop()
                self.process = GradingProcess(self.exercises, self.options, language)
            folder = Path(tempfile.mkdtemp(prefix="submission-", dir=self.scratch)) / name
            try:
                try:
                    write_content(from_wire(content), folder)
                except (ContentRefused, OSError, ValueError) as error:
                    return {"error": _("its content could not be rebuilt on worker {worker}: {reason}").format(worker=self.address, reason=error)}
                if hash_of(folder) != content_hash:
                    return {"error": _("what reached the grading worker differs from the folder that was planned (it changed while the class "
                                       "was graded, or holds a file that cannot be read); grade again")}
                return self.process.grade(folder, self.deadline)
            finally:
                shutil.rmtree(folder.parent, ignore_errors=True)


def _install(files: list, scratch: Path) -> Path:
    """Lay the shipped bank out as `bank/exercises` and `bank/solutions` (its references beside it,
    as grader.bank.location finds them); what was a link stays one (to a copy outside the bank),
    so the version hash here covers exactly what it covers on the coordinator."""
    bank, store = scratch / "bank", scratch / "linked"
    for number, (name, data, linked) in enumerate(files):
        parts = Path(name).parts
        if parts[0] not in ("exercises", "solutions") or ".." in parts or Path(name).is_absolute():
            raise ValueError(_("the shipped bank names {name!r}").format(name=name))
        path = bank / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if linked:
            store.mkdir(exist_ok=True)
            (store / str(number)).write_bytes(data)
            path.symlink_to(store / str(number))
        else:
            path.write_bytes(data)
    (bank / "exercises").mkdir(parents=True, exist_ok=True)
    return bank / "exercises"


def _version_problem(exercises: Path, version: str, address: str) -> str:
    from grader.bank.loading import load_bank
    from grader.bank.version import bank_hash

    here = bank_hash(exercises, load_bank(exercises))
    if here == version:
        return ""
    return _("the bank's version on worker {worker} ({here}) is not the coordinator's ({version}): what arrived differs "
             "from what was sent; grade again, and check the worker's disk").format(worker=address, here=here[:12],
                                                                                     version=version[:12])


def grade_content(plugin_name: str, name: str, content: list, content_hash: str, language: str = ENGLISH) -> bytes:
    """The cluster task: grade one shipped submission with this worker's warm grading process, and
    say what it says in `language`, the client's, whatever the worker's own locale."""
    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    if plugin is None:
        with speaking(language):
            message = {"fatal": _("the grading plugin is missing on worker {worker}").format(worker=worker.address)}
    else:
        message = plugin.grade(name, content, content_hash, language)
    message["worker"] = worker.address
    return json.dumps(message).encode()


_SHIPPED = {"exercises", "solutions", "templates"}  # in an installed wheel these are inside the package


def code_hash() -> str:
    """A SHA-256 over the grader package's Python sources: coordinator and workers must agree.
    The bundled bank and templates are left out (the bank travels, reports are the coordinator's),
    so a checkout and a wheel of the same commit agree."""
    package = Path(__file__).resolve().parents[1]  # grader/
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if "__pycache__" not in relative.parts and relative.parts[0] not in _SHIPPED:
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def worker_facts() -> dict:
    """What the coordinator checks of each worker before it ships anything."""

    return {"grader": __version__, "code": code_hash(), "python": sys.version.split()[0]}
