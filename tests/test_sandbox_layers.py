"""What the child can and cannot do, observed from inside it, under each wrapper."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader.sandbox.confine import ChildLimits
from grader.sandbox.launcher import Sandbox

PROBE = '''
import os, resource, socket

def status():
    return open("/proc/self/status").read()

def env():
    return dict(os.environ)

def where():
    return os.getcwd(), os.getpid()

def limits():
    return {name: resource.getrlimit(getattr(resource, name))
            for name in ("RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE")}

def exists(path):
    return os.path.exists(path)

def sees(path):
    try:
        open(path).read(1)
        return True
    except OSError:
        return False
'''


@pytest.fixture(scope="module", params=[("bwrap", "unshare", "none"), ("none",)], ids=["strongest", "no-wrapper"])
def sandbox(request):
    with Sandbox(wrappers=request.param) as sandbox:
        sandbox.wait_ready()
        yield sandbox


@pytest.fixture
def call(sandbox):
    child = sandbox.spawn(ChildLimits(cpu_seconds=7, memory_mb=900))
    assert sandbox.request(child, "load", time.monotonic() + 10, file="probe.py", source=PROBE, seed=0) == {"ok": None}

    def call(name, *args):
        return sandbox.request(child, "call", time.monotonic() + 10, symbol=name, args=list(args), kwargs={})["ok"]

    yield call
    sandbox.end(child)


def test_child_has_no_privileges(call, sandbox):
    fields = dict(line.split(":", 1) for line in call("status").splitlines())
    assert fields["CapEff"].strip() == "0" * 16 and fields["CapPrm"].strip() == "0" * 16
    assert fields["NoNewPrivs"].strip() == "1"
    if dict(sandbox.protections)["separate-user"]:
        assert fields["Uid"].split()[0] == "65534"


def test_child_environment_is_scrubbed(call):
    from grader.sandbox.gpu import PASSED_ENV  # which GPUs to use, where the host names them

    passed = {name for name in PASSED_ENV if name in os.environ}
    assert set(call("env")) == {"PATH", "HOME", "TMPDIR", "LANG", "OMP_NUM_THREADS"} | passed


def test_child_works_in_its_scratch_with_limits(call, sandbox):
    cwd, pid = call("where")
    assert cwd.startswith(str(sandbox.scratch_root) + "/child-")
    if dict(sandbox.protections)["pid-namespace-per-child"]:
        assert pid == 1
    limits = call("limits")
    assert limits["RLIMIT_CPU"] == (7, 8) and limits["RLIMIT_DATA"] == (900 * 2**20,) * 2
    assert limits["RLIMIT_CORE"] == (0, 0) and limits["RLIMIT_FSIZE"][0] > 0


def test_child_cannot_read_the_bank_or_the_grader(call):
    for path in ("exercises/corr2d/spec.yaml", "solutions/lenet/lenet.py", "grader/checking/codegrade.py",
                 "tests/sandbox_bank/probe/checks/doubling.py"):
        absolute = str(Path(__file__).resolve().parent.parent / path)
        assert not call("sees", absolute), absolute
    assert call("sees", "/usr/lib/os-release") or call("sees", "/etc/os-release")


def test_protections_say_what_is_on(sandbox):
    flags = dict(sandbox.protections)
    assert flags["time-limits"] and flags["rlimits"] and flags["scratch-dir"]
    assert flags["filesystem-view"] == (sandbox.wrapper == "bwrap")
    assert flags["no-network"] == (sandbox.wrapper != "none")


def _alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("wrappers", [("bwrap", "unshare", "none"), ("none",)], ids=["strongest", "no-wrapper"])
def test_close_returns_with_every_child_gone_and_the_scratch_removed(wrappers):
    """The zygote says when its children are gone; its own exit is reaped in the background."""
    sandbox = Sandbox(wrappers=wrappers)
    sandbox.start()
    child = sandbox.spawn(ChildLimits(cpu_seconds=7, memory_mb=900))
    assert sandbox.request(child, "load", time.monotonic() + 10, file="probe.py", source=PROBE, seed=0) == {"ok": None}
    pid = sandbox.request(child, "call", time.monotonic() + 10, symbol="where", args=[], kwargs={})["ok"][1]
    zygote, scratch = sandbox._process, sandbox.scratch_root
    children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == _zygote_pid(zygote.pid)]
    assert children  # the child in use and the spare forked ahead
    sandbox.close()
    assert not scratch.exists()
    assert not any(_alive(p) for p in children), "a child outlived close()"
    deadline = time.monotonic() + 10
    while zygote.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert zygote.returncode is not None, "the zygote did not exit after saying it was done"
    assert pid  # the child answered from its own process


def test_close_stops_a_zygote_that_does_not_answer():
    sandbox = Sandbox(wrappers=("none",))
    sandbox.start()
    sandbox.wait_ready()
    zygote = sandbox._process
    os.kill(zygote.pid, 19)  # SIGSTOP: it cannot say it is done
    started = time.monotonic()
    import grader.sandbox.launcher as launcher

    saved, launcher.CONTROL_SECONDS = launcher.CONTROL_SECONDS, 0.5
    try:
        sandbox.close()
    finally:
        launcher.CONTROL_SECONDS = saved
    assert zygote.returncode is not None and time.monotonic() - started < 30
    assert not sandbox.scratch_root.exists()


def _parent(pid: int) -> int | None:
    try:
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ValueError):
        return None


def _zygote_pid(launched: int) -> int:
    """The zygote's pid as seen here: the launched process itself, or a descendant of bwrap's."""
    frontier = [launched]
    while frontier:
        pid = frontier.pop()
        try:
            argv = open(f"/proc/{pid}/cmdline").read().split("\0")
            if Path(argv[0]).name.startswith("python") and "grader.sandbox.zygote" in argv:
                return pid
        except FileNotFoundError:
            continue
        frontier += [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == pid]
    raise AssertionError("no zygote under the launched process")
