"""How close a student's output must come to the grader's reference, by device and dtype.

The reference always runs here in the grader, on the CPU; the student's code runs in the
child on the check's device. On a GPU the same float32 computation differs more: cuDNN
computes float32 convolutions in TF32 by default on Ampere and later (a 10-bit mantissa,
about 5e-4 relative per product), and its kernels sum in another order. So a check asks
for a tolerance by what it compares, and the table answers for the device it runs on:

    from grader.checking.checks import expect_close, tolerance
    expect_close(out, expected, "the output", device=device)                 # "values"
    expect_close(out, expected, "the block's output", device=device, kind="layers")
    tol = tolerance(device, kind="layers"); block.load_parameters_from(ref, probe, atol=tol.atol)

Kinds: `values` for one operation or layer on outputs of order one; `layers` for a block of a
few stacked layers; `network` for a whole network, whose atol is relative to the largest
|expected| (`expect_close` scales it). An author's own atol/rtol are taken as written on the
CPU, where the reference runs too, and raised to the device's `values` floor elsewhere: no
check can demand more than TF32 gives. `checks.run` sets the device of the item it runs, so
a check that passes no `device` gets that one.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

import torch

from grader.i18n import _, listed

KINDS = ("values", "layers", "network")
CURRENT_DEVICE: ContextVar[str] = ContextVar("grader_check_device", default="cpu")


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float


_F32, _F64, _F16, _BF16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
_HALF = {_F16: Tolerance(1e-2, 1e-2), _BF16: Tolerance(5e-2, 5e-2)}  # 11 and 8 significant bits
TOLERANCES: dict[tuple[str, str], dict[torch.dtype, Tolerance]] = {
    ("values", "cpu"): {_F32: Tolerance(1e-5, 1e-4), _F64: Tolerance(1e-8, 1e-7), **_HALF},
    ("layers", "cpu"): {_F32: Tolerance(1e-4, 1e-4), _F64: Tolerance(1e-7, 1e-6), **_HALF},
    ("network", "cpu"): {_F32: Tolerance(1e-3, 1e-3), _F64: Tolerance(1e-6, 1e-6), **_HALF},
    # TF32 convolutions: ~5e-4 relative per product, summed over tens of products per output
    ("values", "cuda"): {_F32: Tolerance(1e-2, 1e-2), _F64: Tolerance(1e-7, 1e-6), **_HALF},
    ("layers", "cuda"): {_F32: Tolerance(2e-2, 2e-2), _F64: Tolerance(1e-6, 1e-5), **_HALF},
    ("network", "cuda"): {_F32: Tolerance(3e-2, 3e-2), _F64: Tolerance(1e-5, 1e-5), **_HALF},
}


def current_device() -> str:
    """The device of the check item being run ("cpu" outside a check)."""
    return CURRENT_DEVICE.get()


def tolerance(device: str | torch.device | None = None, dtype: torch.dtype = torch.float32,
              kind: str = "values") -> Tolerance:
    """The tolerance for comparing a `dtype` result computed on `device` with the CPU reference."""
    if kind not in KINDS:
        raise ValueError(_("tolerance kind {kind!r} is not one of {kinds}").format(kind=kind, kinds=listed(KINDS)))
    table = TOLERANCES[(kind, _device_type(device))]
    return table.get(dtype, table[_F32])


def at_least(atol: float, rtol: float, device: str | torch.device | None = None,
             dtype: torch.dtype = torch.float32) -> Tolerance:
    """An author's tolerance, raised on a device other than the CPU to what that device allows."""
    kind = _device_type(device)
    if kind == "cpu":
        return Tolerance(atol, rtol)
    floor = tolerance(kind, dtype)
    return Tolerance(max(atol, floor.atol), max(rtol, floor.rtol))


def coarser(*dtypes: torch.dtype) -> torch.dtype:
    """The least precise floating dtype among `dtypes` (float32 where none is floating)."""
    floating = [d for d in dtypes if d.is_floating_point]
    return max(floating, key=lambda d: torch.finfo(d).eps) if floating else torch.float32


def _device_type(device) -> str:
    name = str(device) if device is not None else current_device()
    return "cuda" if name.split(":")[0] == "cuda" else "cpu"
