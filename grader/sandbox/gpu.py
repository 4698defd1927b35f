"""What a sandboxed child needs to reach an NVIDIA GPU, and how the grader sees one without CUDA.

The fork rule: CUDA cannot be used in a process forked after CUDA was initialised in its
parent. The zygote never touches `torch.cuda` (tests/test_cuda_path.py holds it to that);
each child initialises its own context on its first CUDA operation (the per-child cost
bench/RESULTS.md "CUDA" measures). The grader only asks whether a GPU is there, through
`present()`: `torch.cuda.device_count()` asks NVML first, which creates no CUDA context
(torch.cuda.is_available() would run cuInit, which torch documents as poisoning forks).
The grader never forks without exec anyway (the zygote is a fresh interpreter, workers
are spawned), so even the cuInit fallback where NVML is missing is safe.

What the child needs, and where it gets it:
- the device files `/dev/nvidia*` (nvidiactl, nvidia-uvm, nvidia0.., nvidia-caps/):
  bound into bwrap's view (`launcher._bwrap_argv`) and read/write in Landlock's list
  (`confine.confine`). Landlock leaves ioctl on devices open (IOCTL_DEV is not handled),
  which CUDA needs. They are listed when the zygote starts: a node created later (nvidia-uvm
  appears on a host's first CUDA use unless the container runtime made it) is not seen;
- the driver's libraries (libcuda.so.1, libnvidia-ml.so.1): under /usr on the usual
  installs (`DRIVER_DIRS`), all within `confine.SYSTEM_DIRS`; a folder named in the
  grader's LD_LIBRARY_PATH that holds them (e.g. /usr/local/nvidia/lib64 in Kubernetes
  images) is added to the readable paths and passed to the zygote;
- /proc/driver/nvidia and /sys (PCI, NUMA): read-only in both views (`KERNEL_DIRS`);
- CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER, kept through the scrubbed environments;
- memory: a child that may run CUDA items keeps RLIMIT_DATA, raised by
  `CUDA_DATA_HEADROOM_MB` for the driver's host-side state (RLIMIT_AS would not survive
  CUDA's virtual reservations at all; reservations made PROT_NONE do not count as data).
"""

from __future__ import annotations

import glob
import os

DEVICE_GLOB = "/dev/nvidia*"
DRIVER_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
               "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/local/cuda/lib64",
               "/usr/local/cuda/compat", "/usr/lib/wsl/lib")
DRIVER_LIBRARIES = ("libcuda.so", "libnvidia-ml.so")
KERNEL_DIRS = ("/proc/driver/nvidia", "/sys/bus/pci", "/sys/devices", "/sys/module/nvidia")
PASSED_ENV = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER")
CUDA_DATA_HEADROOM_MB = 4096  # over the exercise's memory_mb; to be confirmed by the GPU run (docs/gpu.md)


def device_files() -> list[str]:
    """The NVIDIA device nodes (and the nvidia-caps folder) present now."""
    return sorted(glob.glob(DEVICE_GLOB))


def library_dirs(environ=None) -> list[str]:
    """Folders of LD_LIBRARY_PATH that hold a driver library (libcuda.so*, libnvidia-ml.so*)."""
    value = (os.environ if environ is None else environ).get("LD_LIBRARY_PATH", "")
    found = []
    for folder in value.split(":"):
        if not folder or not os.path.isabs(folder) or not os.path.isdir(folder):
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        if any(name.startswith(DRIVER_LIBRARIES) for name in names):
            found.append(os.path.realpath(folder))
    return list(dict.fromkeys(found))


def passed_env(environ=None) -> dict[str, str]:
    """What of the grader's environment the zygote and its children keep for CUDA."""
    environ = os.environ if environ is None else environ
    env = {name: environ[name] for name in PASSED_ENV if name in environ}
    dirs = library_dirs(environ)
    if dirs:
        env["LD_LIBRARY_PATH"] = ":".join(dirs)  # read by the loader at start: the zygote's is what children use
    return env


def present() -> bool:
    """Whether this machine has a CUDA GPU, asked without initialising CUDA here where NVML answers."""
    import torch

    return torch.cuda.device_count() > 0


def data_limit_mb(memory_mb: int, cuda: bool) -> int:
    """RLIMIT_DATA of a child, in MB: the exercise's memory, plus CUDA's headroom where it may use CUDA."""
    return memory_mb + (CUDA_DATA_HEADROOM_MB if cuda else 0)
