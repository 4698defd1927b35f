"""The CUDA path, as far as a machine without a GPU can take it (see docs/gpu.md).

- the fork rule: the zygote never touches torch.cuda, each child starts with no CUDA state
  of its parent's, and the grader sees a GPU through NVML, not cuInit;
- the sandbox lets a child reach a GPU: NVIDIA device nodes in its view and writable under
  Landlock, the driver's folders readable, the CUDA environment kept, room in RLIMIT_DATA
  for the driver while the memory cap still holds;
- tolerances that follow the device the check item runs on;
- student code that hard-codes CUDA is told to use try_gpu(); code that uses it passes.

The tests marked by `gpu.present()` run only on a machine with a GPU (check-cuda.sh runs them
there, with `-k cuda`) and write what they measured to $OUT/cuda-child.json.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from grader.bank.loading import load_exercise
from grader.bank.resources import bundled
from grader.checking import checks, tolerances
from grader.checking.codegrade import CodeGrader
from grader.checking.session import Session
from grader.reports.results import Status
from grader.sandbox import confine, gpu, landlock, launcher, wire
from grader.sandbox.confine import ChildLimits
from grader.sandbox.launcher import Sandbox

REPO = Path(__file__).resolve().parent.parent
GPU = gpu.present()
needs_gpu = pytest.mark.skipif(not GPU, reason="no GPU on this machine (docs/gpu.md: the GPU run)")
no_gpu_only = pytest.mark.skipif(GPU, reason="this machine has a GPU: the no-GPU message cannot show")

PROBE = '''
import os, resource, time
import torch

def cuda_state():
    return [torch.cuda.is_initialized(), torch.cuda._is_in_bad_fork()]

def env():
    return dict(os.environ)

def data_limit():
    return resource.getrlimit(resource.RLIMIT_DATA)[0]

def hog(mb):
    return torch.empty(mb * 2**20, dtype=torch.uint8).numel()  # RLIMIT_DATA refuses the mapping itself

def use_device(path):
    with open(path, "r+b", buffering=0) as f:
        f.write(b"x")
        return len(f.read(8))

def can_write(path):
    try:
        with open(path, "r+b", buffering=0) as f:
            f.write(b"x")
        return True
    except OSError:
        return False

def readable(path):
    try:
        open(path, "rb").close()
        return True
    except OSError:
        return False

def first_cuda():
    started = time.perf_counter()
    x = torch.ones(64, 64, device="cuda")
    (x @ x).sum().item()
    context = time.perf_counter() - started
    conv = torch.nn.Conv2d(1, 6, 5, padding=2).cuda()
    conv(torch.randn(4, 1, 28, 28, device="cuda")).sum().item()
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    return {"context_seconds": context, "with_conv_seconds": time.perf_counter() - started,
            "vm_data_kb": int(status["VmData"].split()[0]), "vm_rss_kb": int(status["VmRSS"].split()[0]),
            "data_limit": resource.getrlimit(resource.RLIMIT_DATA)[0], "device": torch.cuda.get_device_name(0),
            "state": [torch.cuda.is_initialized(), torch.cuda._is_in_bad_fork()]}
'''


def _session(sandbox: Sandbox, *, cuda: bool, memory_mb: int = 1024) -> Session:
    exercise = load_exercise(REPO / "tests" / "sandbox_bank" / "probe")
    limits = exercise.limits.model_copy(update={"memory_mb": memory_mb, "call_seconds": 60, "exercise_seconds": 300})
    return Session(sandbox, "probe.py", PROBE, limits, cuda=cuda)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sandbox:
        sandbox.wait_ready()
        yield sandbox


# -- the fork rule -------------------------------------------------------------------------
ZYGOTE_WATCHED = '''
import atexit, json, sys, torch
calls = []
def watch(owner, name):
    real = getattr(owner, name)
    def watched(*args, **kwargs):
        calls.append(name)
        return real(*args, **kwargs)
    setattr(owner, name, watched)
for name in ("is_available", "device_count", "init", "_lazy_init", "current_device", "set_device",
             "get_device_properties", "synchronize", "mem_get_info", "memory_allocated"):
    watch(torch.cuda, name)
for name in ("_cuda_init", "_cuda_getDeviceCount"):
    if hasattr(torch._C, name):
        watch(torch._C, name)
atexit.register(lambda: print(json.dumps({"calls": calls, "initialized": torch.cuda.is_initialized()}), flush=True))
sys.argv = ["zygote", sys.argv[1], "nobody"]
import runpy
runpy.run_module("grader.sandbox.zygote", run_name="__main__")
'''


def test_the_zygote_never_touches_cuda(tmp_path):
    """The real zygote (warm-up, layers, a forked child) with every torch.cuda entry that could
    initialise CUDA watched: not one is called, so its children may each start CUDA themselves."""
    os.chmod(tmp_path, 0o711)
    ours, theirs = socket.socketpair()
    process = subprocess.Popen([sys.executable, "-c", ZYGOTE_WATCHED, str(tmp_path)], stdin=theirs,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                               env={**launcher._zygote_env(), "PYTHONPATH": str(REPO)})
    theirs.close()
    try:
        ready = wire.recv(ours, time.monotonic() + 180)
        assert "ready" in ready
        wire.send(ours, {"op": "spawn", "limits": ChildLimits(cpu_seconds=20, memory_mb=900).__dict__})
        _, fds, _, _ = socket.recv_fds(ours, 65536, 1)
        assert len(fds) == 1, "the zygote forked no child"
        os.close(fds[0])
    finally:
        ours.close()
        out, err = process.communicate(timeout=60)
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert report == {"calls": [], "initialized": False}, err.decode()[-2000:]


def test_each_child_starts_with_no_cuda_state(sandbox):
    session = _session(sandbox, cuda=GPU)
    try:
        assert session.request("call", symbol="probe:cuda_state", args=[], kwargs={}) == [False, False]
    finally:
        session.close()


def test_the_grader_sees_a_gpu_through_nvml_not_cuinit(monkeypatch):
    """CodeGrader.cuda asks device_count(), which answers from NVML; torch.cuda.is_available()
    would call cudaGetDeviceCount (cuInit) in the grader, which torch says poisons forks."""
    def cuinit():
        raise AssertionError("cudaGetDeviceCount was called in the grader")

    monkeypatch.setattr(torch.cuda, "_is_compiled", lambda: True)
    monkeypatch.setattr(torch.cuda, "_device_count_nvml", lambda: 1)
    monkeypatch.setattr(torch.cuda, "_cached_device_count", None)
    monkeypatch.setattr(torch._C, "_cuda_getDeviceCount", cuinit, raising=False)
    grader = CodeGrader()
    try:
        assert grader.cuda is True
    finally:
        grader.sandbox.close()
    assert not torch.cuda.is_initialized()


# -- the sandbox lets a child reach the GPU -----------------------------------------------------
def test_driver_folders_and_kernel_files_are_in_both_views():
    readable = confine.readable_paths()
    for folder in gpu.DRIVER_DIRS:
        assert any(confine._within(folder, path) for path in readable), f"{folder} is not readable in the sandbox"
    for path in gpu.KERNEL_DIRS:
        assert any(confine._within(path, top) for top in confine.KERNEL_READ), f"{path} is not in Landlock's reads"
    argv = launcher._bwrap_argv(Path("/tmp/scratch-for-argv"))
    if argv is None:
        pytest.skip("no bubblewrap here")
    assert argv[argv.index("--proc") + 1] == "/proc"  # a procfs of its own: /proc/driver/nvidia is in every one
    assert ("--ro-bind-try", "/sys", "/sys") in list(zip(argv, argv[1:], argv[2:]))


def test_landlock_leaves_ioctl_on_devices_open():
    """CUDA drives the GPU by ioctl on /dev/nvidia*: Landlock must not handle IOCTL_DEV (ABI 5)."""
    for abi in range(1, 10):
        handled = (1 << landlock._FS_BITS_BY_ABI.get(abi, 15)) - 1
        assert not handled & (1 << 15), f"Landlock ABI {abi} would refuse ioctl on the GPU's devices"


def test_cuda_environment_and_driver_libraries_reach_the_child(tmp_path, monkeypatch):
    """A driver folder named by LD_LIBRARY_PATH (as in Kubernetes images) is readable in the child
    and passed to the zygote; CUDA_VISIBLE_DEVICES survives the child's scrubbed environment."""
    drivers = tmp_path / "nvidia" / "lib64"
    drivers.mkdir(parents=True)
    (drivers / "libcuda.so.1").write_bytes(b"\x7fELF not really")
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{other}:{drivers}:/no/such/folder")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    assert gpu.library_dirs() == [str(drivers)]
    assert launcher._zygote_env()["LD_LIBRARY_PATH"] == str(drivers)
    assert str(drivers) in confine.readable_paths() and str(other) not in confine.readable_paths()
    with Sandbox() as sandbox:
        session = _session(sandbox, cuda=False)
        try:
            env = session.request("call", symbol="probe:env", args=[], kwargs={})
            assert env.get("CUDA_VISIBLE_DEVICES") == "0" and "LD_LIBRARY_PATH" not in env
            assert session.request("call", symbol="probe:readable", args=[str(drivers / "libcuda.so.1")], kwargs={})
        finally:
            session.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("wrappers", [("bwrap", "unshare", "none"), ("none",)], ids=["strongest", "no-wrapper"])
def test_an_nvidia_device_node_is_usable_in_the_child(wrappers):
    """A stand-in /dev/nvidia-* node (the zero device) is in the child's view and read/write under
    Landlock, while another device stays read-only: what the GPU's nodes get, and only they."""
    node = f"/dev/nvidia-grader-test-{os.getpid()}"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # 1:5 is /dev/zero
    os.chmod(node, 0o666)
    try:
        with Sandbox(wrappers=wrappers) as sandbox:
            session = _session(sandbox, cuda=False)
            try:
                assert session.request("call", symbol="probe:use_device", args=[node], kwargs={}) == 8
                if dict(sandbox.protections)["landlock"]:
                    assert not session.request("call", symbol="probe:can_write", args=["/dev/zero"], kwargs={})
            finally:
                session.close()
    finally:
        os.unlink(node)


def test_cuda_children_get_room_for_the_driver_and_keep_a_memory_cap(sandbox):
    """RLIMIT_DATA is memory_mb for a CPU child and memory_mb + CUDA_DATA_HEADROOM_MB for a child
    that may run CUDA items; both refuse an allocation over their limit."""
    mb = 2**20
    plain, cuda = _session(sandbox, cuda=False), _session(sandbox, cuda=True)
    try:
        assert plain.request("call", symbol="probe:data_limit", args=[], kwargs={}) == 1024 * mb
        assert cuda.request("call", symbol="probe:data_limit", args=[], kwargs={}) == (1024 + gpu.CUDA_DATA_HEADROOM_MB) * mb
        assert cuda.request("call", symbol="probe:hog", args=[2048], kwargs={}) == 2048 * mb
        for session, over in ((plain, 2048), (cuda, 1024 + gpu.CUDA_DATA_HEADROOM_MB + 256)):
            with pytest.raises(Exception, match="out of memory|can't allocate"):
                session.request("call", symbol="probe:hog", args=[over], kwargs={})
    finally:
        plain.close()
        cuda.close()


def test_only_exercises_with_cuda_items_on_a_gpu_machine_get_cuda_children(monkeypatch, tmp_path):
    made = []

    class Recorded(Session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self.child_limits.cuda)

    monkeypatch.setattr("grader.checking.codegrade.Session", Recorded)
    probe = load_exercise(REPO / "tests" / "sandbox_bank" / "probe")  # devices: [cpu]
    both = probe.model_copy(update={"devices": ["cpu", "cuda"]})
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "probe.py").write_text("def double(x):\n    return 2 * x\n")
    with CodeGrader(solutions=REPO / "tests" / "sandbox_bank_solutions") as grader:
        for has_gpu in (False, True):
            grader.__dict__["cuda"] = has_gpu  # what gpu.present() would say
            for exercise in (probe, both):
                assert grader.grade(exercise, submission).score == 2
    assert made == [False, False, False, True]


# -- tolerances by device ------------------------------------------------------------------
def test_tolerances_follow_the_device():
    x = torch.randn(5, 7)
    tf32 = x + 4e-3  # what TF32 convolutions can differ by on values of order one
    checks.expect_close(tf32, x, "out", device="cuda")
    checks.expect_close(tf32, x, "out", device="cuda:0", atol=1e-5)  # an author's CPU tolerance, floored on a GPU
    with pytest.raises(AssertionError, match="differs"):
        checks.expect_close(tf32, x, "out", device="cpu")
    with pytest.raises(AssertionError, match="differs"):
        checks.expect_close(x + 0.5, x, "out", device="cuda")  # a real mistake fails everywhere
    assert tolerances.tolerance("cuda", kind="layers") == tolerances.Tolerance(2e-2, 2e-2)
    assert tolerances.tolerance("cpu", torch.float64).atol < tolerances.tolerance("cpu").atol


def test_network_tolerance_is_relative_to_the_largest_output():
    small = torch.randn(2, 10) * 1e-3
    checks.expect_close(small * (1 + 5e-4), small, "out", kind="network")
    with pytest.raises(AssertionError):
        checks.expect_close(small + 1e-5 * torch.sign(small), small, "out", kind="network")  # >0.3% of the scale
    checks.expect_close(small + 5e-6 * torch.sign(small), small, "out")  # what the absolute "values" kind lets by


def test_a_check_gets_its_items_device_by_default():
    def test_close(device):
        x = torch.ones(3)
        checks.expect_close(x + 3e-3, x, "out")

    function = checks.CheckFunction("close", test_close, False, ("device",))
    assert checks.run(function, {"device": "cuda"}).status == Status.PASSED
    assert checks.run(function, {"device": "cpu"}).status == Status.FAILED
    assert tolerances.current_device() == "cpu"  # reset after each check


def test_the_bank_keeps_no_tolerance_tables_of_its_own():
    found = [str(p) for p in bundled("exercises").glob("*/*/*.py") if "TOLERANCE = {" in p.read_text()]
    assert not found, f"use grader.checking.tolerances (tolerance(device, kind=...)) instead of a table in {found}"


# -- student code and CUDA ------------------------------------------------------------------
LENET = (REPO / "solutions" / "lenet" / "lenet.py").read_text()
FIXED_AT_IMPORT = LENET + "net = net.cuda()  # the GPU they trained on\n"
FIXED_IN_FORWARD = LENET.replace("return x.view(-1, 1, 28, 28)",
                                 "return x.view(-1, 1, 28, 28).to(torch.device('cuda'))")
TRY_GPU = LENET.replace("class Reshape", '''def try_gpu(i=0):
    """The course's habit: the i-th GPU where there is one, else the CPU."""
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


class Reshape''') + "net = net.to(try_gpu())\n"


@pytest.fixture(scope="module")
def lenet_grader():
    with CodeGrader() as grader:
        yield grader, load_exercise(bundled("exercises") / "lenet")


def _grade(lenet_grader, tmp_path, source: str):
    grader, lenet = lenet_grader
    (tmp_path / "lenet.py").write_text(source)
    return grader.grade(lenet, tmp_path)


@no_gpu_only
def test_cuda_hard_coded_at_import_is_told_to_use_try_gpu(lenet_grader, tmp_path):
    result = _grade(lenet_grader, tmp_path, FIXED_AT_IMPORT)
    line = len(LENET.splitlines()) + 1
    assert result.score == 0
    message = result.items[0].message
    assert f"asked for CUDA at lenet.py line {line}, but this machine has no GPU" in message, message
    assert "try_gpu()" in message and "Traceback" not in message


@no_gpu_only
def test_cuda_hard_coded_in_forward_is_told_to_use_try_gpu(lenet_grader, tmp_path):
    result = _grade(lenet_grader, tmp_path, FIXED_IN_FORWARD)
    failed = [i for i in result.items if i.status == Status.FAILED]
    assert failed and result.score < result.max_score
    assert any("asked for CUDA at lenet.py line" in i.message and "try_gpu()" in i.message for i in failed), \
        [i.message for i in failed]


def test_code_following_try_gpu_passes_on_every_device(lenet_grader, tmp_path):
    result = _grade(lenet_grader, tmp_path, TRY_GPU)
    assert result.score == result.max_score == 13, [i.message for i in result.items if i.status == Status.FAILED]
    cuda_items = [i for i in result.items if i.device == "cuda"]
    assert cuda_items and all(i.status == (Status.PASSED if GPU else Status.SKIPPED) for i in cuda_items)


# -- on a GPU only: the child's own CUDA context, measured ---------------------------------
@needs_gpu
def test_cuda_child_initialises_its_own_context_within_its_limits(sandbox):
    """Each child makes its own CUDA context (the fork rule) under the raised RLIMIT_DATA; the
    cost and the memory it takes are what bench/RESULTS.md "CUDA" reports."""
    session = _session(sandbox, cuda=True, memory_mb=2048)
    try:
        measured = session.request("call", symbol="probe:first_cuda", args=[], kwargs={})
    finally:
        session.close()
    assert measured["state"] == [True, False]
    assert measured["vm_data_kb"] * 1024 < measured["data_limit"]
    out = os.environ.get("OUT")
    if out:
        Path(out, "cuda-child.json").write_text(json.dumps(measured, indent=1))
    print(json.dumps(measured))


@needs_gpu
def test_correct_code_gets_full_marks_on_cuda(lenet_grader):
    grader, lenet = lenet_grader
    result = grader.grade(lenet, REPO / "solutions" / "lenet")
    cuda_items = [i for i in result.items if i.device == "cuda"]
    assert cuda_items and all(i.status == Status.PASSED for i in cuda_items), [i.message for i in cuda_items]
    assert result.score == result.max_score
