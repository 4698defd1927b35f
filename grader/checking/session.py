"""One student module loaded in a sandboxed child, for the checks of one exercise.

The session keeps a live child for as long as it serves, replaces it after it dies or
hangs (the check that was running fails, the next one gets a fresh child), and puts what
went wrong on the student's side into words: `StudentFault` and its kinds carry a message
meant for the student, never a traceback into the grader.
"""

from __future__ import annotations

import math
import string
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from grader.i18n import N_, _
from grader.i18n.syntax_errors import say_syntax_error
from grader.sandbox import wire
from grader.sandbox.confine import ChildLimits
from grader.sandbox.launcher import Child, ChildLost, Sandbox
from grader.submissions.notebook_extract import Extracted
from grader.submissions.files import (MAX_COMPANION_BYTES, MAX_FILE_BYTES, UnreadableFile, megabytes, present,
                                     python_files, read_text)


MESSAGE_CHARS = 400  # of any text the child reports; the child's own cap runs beside student code
NAME_CHARS = 80
SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
REPLY_KEYS = ("ok", "raised", "missing", "unsendable")
# what torch says when code asks for CUDA where there is none (a CPU-only build, no driver, no GPU)
NO_CUDA = ("Torch not compiled with CUDA enabled", "No CUDA GPUs are available", "Found no NVIDIA driver",
           "no CUDA-capable device is detected", "CUDA driver initialization failed",
           "torch.cuda.is_available() is False")
# Messages grader.classroom.troubles reads for what went wrong (in any language: grader.i18n.is_said)
BUDGET_RAN_OUT = N_("the time budget for this submission ({seconds:g} s) ran out")
TIMED_OUT = N_("timed out after {seconds} s")
PAST_EXERCISE_LIMIT = N_("ran past the time limit for this exercise ({seconds} s)")
EXERCISE_LIMIT_RAN_OUT = N_("the time limit for this exercise ({seconds} s) ran out")
OUT_OF_MEMORY = (N_("your code ran out of memory (the limit is {memory} MB): {kind} at {file} line {line}"),
                 N_("your code ran out of memory (the limit is {memory} MB): {kind}"))
RAISED = (N_("your code raised {kind}: {message} at {file} line {line}"), N_("your code raised {kind}: {message}"))
IMPORT_FAILURES = (N_("{file} has a syntax error at line {line}: {message}"),
                   N_("{file} exited at import with code {code} (sys.exit)"), N_("importing {file} failed: {reason}"),
                   N_("{file}, at import, {reason}"))
USE_TRY_GPU = N_("Use the course's try_gpu(), which falls back to the CPU: `torch.device('cuda') if "
                 "torch.cuda.device_count() > 0 else torch.device('cpu')`, or the device of the inputs (X.device), "
                 "never a fixed .cuda() or device='cuda'")


def child_text(value, limit: int = MESSAGE_CHARS) -> str:
    """A text the child sent, as the grader keeps it: a string of at most `limit` characters."""
    text = value if type(value) is str else ""
    return text if len(text) <= limit else text[:limit] + " [...]"


def child_said(raw) -> str:
    """One of the child's own sentences (wire.CHILD_SENTENCES), which it sends as its template and
    fields, said in the language spoken; "" where `raw` is not one. Each field is a plain int or a
    short text: the template is the grader's, only the fields are the child's."""
    raw = raw if type(raw) is dict else {}
    template, fields = raw.get("template"), raw.get("fields")
    if type(template) is not str or template not in wire.CHILD_SENTENCES or type(fields) is not dict:
        return ""
    names = {name for _text, name, _spec, _conversion in string.Formatter().parse(template) if name}
    return _(template).format(**{name: fields[name] if type(fields.get(name)) is int else
                                 child_text(fields.get(name), NAME_CHARS) for name in names})


def child_fault(raw, file: str) -> dict:
    """What the child says the student's code raised, checked field by field: the file is the
    grader's own name for it, a line or exit code that is not a plain int is dropped. The child's
    own sentences and Python's words for a syntax error are said in the language spoken."""
    raw = raw if type(raw) is dict else {}
    kind, line, code = child_text(raw.get("type"), NAME_CHARS), raw.get("line"), raw.get("code")
    kind = kind if kind.isidentifier() else "Exception"
    message = child_said(raw.get("said")) or child_text(raw.get("message"))
    return {"type": kind, "message": say_syntax_error(message) if kind in SYNTAX_ERRORS else message,
            "file": file, "line": line if type(line) is int and 0 < line < 10**7 else None,
            "code": code if type(code) is int and -2**31 <= code < 2**31 else 1}


@dataclass
class Budget:
    """A whole submission's wall-clock time for its code: `seconds` in all, counted from `start`
    up to `deadline` (time.monotonic()). Each call stops at the nearest of its own limit, its
    exercise's and this. The clock starts when the first check is about to run (the sandbox
    ready), not before: the grader's own start-up, slow on a loaded machine, is not the student's."""

    seconds: float
    deadline: float = math.inf  # until `start`

    def start(self) -> None:
        """Start the clock (every exercise calls it; only the first call, or the first few
        racing in threads within microseconds, sets it)."""
        if self.deadline == math.inf:
            self.deadline = time.monotonic() + self.seconds

    @property
    def spent(self) -> bool:
        return time.monotonic() >= self.deadline

    @property
    def message(self) -> str:
        return _(BUDGET_RAN_OUT).format(seconds=self.seconds)


class StudentFault(Exception):
    """The student's code failed at something a check asked of it; str() is for the student."""


class StudentError(StudentFault):
    """The student's code raised an exception."""

    def __init__(self, fault: dict, memory_mb: int):
        self.type = str(fault.get("type", "Exception"))
        self.line = fault.get("line")
        message = str(fault.get("message", ""))
        said = {"kind": self.type, "message": message, "file": fault.get("file") or _("your file"), "line": self.line,
                "memory": memory_mb}
        text = _(RAISED[0] if self.line else RAISED[1]).format(**said)
        if self.type == "MemoryError" or "can't allocate memory" in message or "not enough memory" in message:
            text = _(OUT_OF_MEMORY[0] if self.line else OUT_OF_MEMORY[1]).format(**said)
        elif any(sign in message for sign in NO_CUDA):
            text = (_("your code asked for CUDA at {file} line {line}, but this machine has no GPU ({kind}: {message}). "
                      "{advice}").format(advice=_(USE_TRY_GPU), **said) if self.line else
                    _("a check asked for CUDA, and torch found no GPU in the sandbox ({kind}: {message}); that is the "
                      "grading machine's fault, not your code's").format(**said))
        elif "Expected all tensors to be on the same device" in message:
            text = _("{message}. Hint: make new tensors on the device of the inputs (X.device) or of a parameter, not on "
                     "a fixed one: the grader runs your code on the CPU and on a GPU").format(message=text)
        super().__init__(text)


class ChildCrashed(StudentFault):
    """The process running the student's code died or hung."""


class LoadFailed(StudentFault):
    """The student's file could not be imported; every check of the exercise fails with it."""


class StudentCode(NamedTuple):
    """What the child imports: the graded module's text, its companions, and the notebook it
    came from (None for a .py file), which maps its lines back to cells."""

    source: str
    companions: dict[str, str]
    notebook: Extracted | None = None


def student_code(folder: Path, file: str, names: Collection[str] | None = None) -> StudentCode:
    """`folder/file`'s text and the folder's other Python modules (up to 1 MB in all).

    A student's transformer.py may `from attention import masked_softmax`, as the course
    code does, so the child gets the submission's other modules beside the graded one.
    Every one is read by `submission_files` (a regular file, no link followed, UTF-8, capped);
    one that cannot be raises UnreadableFile naming it, which fails the exercise. Where no
    `file` is handed in, a notebook may provide it (`grader.submissions.notebooks`): the
    statements that the exercise's `names` need (all it binds when None); the modules the
    notebooks provide join the companions.
    """
    from grader.submissions.notebooks import module_from_notebooks, provided_files

    notebook = None
    if present(folder, file):
        source = read_text(folder, file, limit=MAX_FILE_BYTES, what=_("a source file"))
    else:
        notebook = module_from_notebooks(folder, file, names)
        if notebook is None:
            raise UnreadableFile(_("{file} not submitted").format(file=file))
        if notebook.error:
            raise UnreadableFile(notebook.error)
        source = notebook.source
    companions, size = {}, 0
    names = python_files(folder)
    for name in names:
        if name != file:
            companions[name] = read_text(folder, name, limit=MAX_FILE_BYTES, what=_("a source file"))
    for name in sorted(provided_files(folder) - set(names) - {file}):
        try:
            extracted = module_from_notebooks(folder, name)
        except UnreadableFile:
            continue  # that file's own exercise says why
        if extracted is not None and not extracted.error:
            companions[name] = extracted.source
    for name, text in companions.items():
        size += len(text)
        if size > MAX_COMPANION_BYTES:
            raise UnreadableFile(_("the .py files beside {file} are over {size} together; hand in only the modules "
                                   "your code imports").format(file=file, size=megabytes(MAX_COMPANION_BYTES)))
    return StudentCode(source, companions, notebook)


class Session:
    def __init__(self, sandbox: Sandbox, file: str, source: str, limits, seed: int = 0,
                 companions: dict[str, str] | None = None, budget: Budget | None = None,
                 notebook: Extracted | None = None, cuda: bool = False):
        self.sandbox, self.file, self.source, self.limits, self.seed = sandbox, file, source, limits, seed
        self.notebook = notebook  # where the source came from, when a notebook: faults name its cells
        self.companions = companions or {}  # the submission's other modules, importable beside the file
        # with `cuda`, the child may run CUDA items: its memory limit leaves room for the driver (sandbox/gpu.py)
        self.child_limits = ChildLimits(cpu_seconds=limits.cpu_seconds, memory_mb=limits.memory_mb, cuda=cuda)
        self.deadline = time.monotonic() + limits.exercise_seconds
        self.budget = budget
        self.child: Child | None = None
        self.generation = 0  # handles from an earlier child are void
        self.load_failure: str | None = None
        self.notes: list[str] = []  # for the exercise's author: where a bound cut the check's search (see codegrade)
        self.fits: dict = {}  # which arrangement of claimed weights explained them (evidence.load_claimed_weights)

    def request(self, op: str, **args):
        """Run `op` in the child and return its value, or raise a StudentFault."""
        child = self.child or self._start()
        reply = self._send(child, op, args, _("your code {reason}"))
        if "raised" in reply:
            raise StudentError(self._fault(reply["raised"]), self.limits.memory_mb)
        if "missing" in reply:
            name = child_text(reply["missing"], NAME_CHARS)
            raise StudentFault(_("{file} does not define {name}").format(file=self.file, name=name) if name
                               else _("{file} lacks what the check asked for").format(file=self.file))
        if "unsendable" in reply:
            unsendable = reply["unsendable"] if type(reply["unsendable"]) is dict else {}
            raise StudentFault(_("your code returned {value}, which cannot be graded").format(
                value=child_said(unsendable.get("said")) or child_text(unsendable.get("message"))))
        return reply["ok"]

    def forget(self) -> None:
        """Tell the child that the check is over: what it built is dropped (a handle lives for one
        check). Starts nothing; a child that fails to answer is replaced at the next check, as after
        any fault, and what it answers counts for nothing."""
        if self.child is None:
            return
        try:
            self.request("forget")
        except StudentFault:
            pass

    def _fault(self, raw) -> dict:
        """The child's fault report, its line moved to the notebook cell it came from."""
        fault = child_fault(raw, self.file)
        place = self.notebook.locate(fault["line"]) if self.notebook else None
        if place:
            fault["file"], fault["line"] = place
        return fault

    def close(self) -> None:
        if self.child is not None:
            self.sandbox.end(self.child, wait=False)
            self.child = None

    def _start(self) -> Child:
        if self.load_failure:
            raise LoadFailed(self.load_failure)
        child = self.sandbox.spawn(self.child_limits)
        self.child, self.generation = child, self.generation + 1
        try:
            reply = self._send(child, "load", {"file": self.file, "source": self.source, "seed": self.seed,
                                               "companions": self.companions},
                               _(IMPORT_FAILURES[3]).replace("{file}", self.file))
        except ChildCrashed as exc:
            self.load_failure = str(exc)
            raise LoadFailed(self.load_failure) from None
        if "raised" in reply:
            self.close()
            self.load_failure = _import_failure(self.file, self._fault(reply["raised"]), self.limits.memory_mb)
            raise LoadFailed(self.load_failure)
        return child

    def _send(self, child: Child, op: str, args: dict, template: str) -> dict:
        now = time.monotonic()
        if self.budget is not None and self.budget.spent:
            self.close()
            raise ChildCrashed(self.budget.message)
        if now >= self.deadline:
            self.close()
            raise ChildCrashed(_(EXERCISE_LIMIT_RAN_OUT).format(seconds=self.limits.exercise_seconds))
        per_call = now + self.limits.call_seconds
        end = min(per_call, self.deadline, self.budget.deadline if self.budget else per_call)
        try:
            reply = self.sandbox.request(child, op, end, **args)
            if type(reply) is not dict or len(reply) != 1 or next(iter(reply)) not in REPLY_KEYS:
                self.sandbox.end(child)
                raise ChildLost(_("broke the grading protocol (a reply of no known form)"))
            return reply
        except ChildLost as lost:
            self.child = None
            reason = str(lost)
            if lost.timed_out:
                if end == per_call:
                    reason = _(TIMED_OUT).format(seconds=self.limits.call_seconds)
                elif end == self.deadline:
                    reason = _(PAST_EXERCISE_LIMIT).format(seconds=self.limits.exercise_seconds)
                else:
                    reason = _("ran until {budget}").format(budget=self.budget.message)
            raise ChildCrashed(template.format(reason=reason)) from None


def _import_failure(file: str, fault: dict, memory_mb: int) -> str:
    kind, line = fault.get("type"), fault.get("line")
    if kind in SYNTAX_ERRORS:
        return _(IMPORT_FAILURES[0]).format(file=fault.get("file", file), line=line, message=fault.get("message", ""))
    if kind == "SystemExit":
        return _(IMPORT_FAILURES[1]).format(file=file, code=fault.get("code", 1))
    # "importing conv.py failed: raised ValueError: ...": the fault's sentence without its subject
    return _(IMPORT_FAILURES[2]).format(
        file=file, reason=str(StudentError(fault, memory_mb)).removeprefix(_("your code ")))
