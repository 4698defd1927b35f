"""The wire protocol between the grader, the zygote and sandboxed children.

A frame is `[u32 header length][header JSON][blobs]`, preceded by a u32 total length.
Values are plain data only: None, bool, int, float, str, list, tuples and dicts (tagged),
and tensors as dtype + shape + raw bytes in a blob. Decoding builds nothing but built-in
types and plain CPU tensors, so a frame from a hostile child can run no code in the
grader: there is no pickle anywhere on this path.
"""

from __future__ import annotations

import ctypes
import json
import socket
import struct
import time
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

MAX_FRAME = 256 * 1024 * 1024  # a LeNet's weights are 250 KB; anything near this is abuse
_LEN = struct.Struct("!I")
DTYPE_NAMES = ("float32", "float64", "float16", "bfloat16", "complex64",
               "int64", "int32", "int16", "int8", "uint8", "bool")


@cache
def dtypes() -> dict:
    """The tensor dtypes that may cross, by name. torch is imported on first use, not with this
    module, so that the grader can start its zygote before it pays for torch itself."""
    import torch

    return {name: getattr(torch, name) for name in DTYPE_NAMES}


class ProtocolError(Exception):
    """A frame that breaks the protocol: malformed, oversized, or cut short."""


class Unsendable(TypeError):
    """A value of a type that may not cross the boundary."""


def encode(value) -> bytes:
    """One frame holding `value`."""
    blobs: list[bytes] = []
    header = json.dumps({"v": _tree(value, blobs, 0), "blobs": [len(b) for b in blobs]}).encode()
    body = _LEN.pack(len(header)) + header + b"".join(blobs)
    if len(body) > MAX_FRAME:
        raise Unsendable(f"value too large to send ({len(body)} bytes)")
    return _LEN.pack(len(body)) + body


def _tree(value, blobs: list[bytes], depth: int):
    if depth > 64:
        raise Unsendable("value nested too deeply")
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    import torch  # already loaded by whoever has a tensor to send; a dict lookup from here on

    if isinstance(value, torch.Tensor):
        return _tensor(value, blobs)
    if isinstance(value, (torch.dtype, torch.device)):
        return str(value)
    if isinstance(value, (tuple, torch.Size)):
        return {"$": "tuple", "items": [_tree(v, blobs, depth + 1) for v in value]}
    if isinstance(value, list):
        return [_tree(v, blobs, depth + 1) for v in value]
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if not isinstance(k, (str, int)):
                raise Unsendable(f"dict key of type {type(k).__name__}")
            items.append([_tree(k, blobs, depth + 1), _tree(v, blobs, depth + 1)])
        return {"$": "dict", "items": items}
    raise Unsendable(f"a value of type {type(value).__name__}")


def _tensor(t: torch.Tensor, blobs: list[bytes]) -> dict:
    import torch

    with torch._C.DisableTorchFunctionSubclass():  # a subclass is sent as its plain data
        t = torch.Tensor.as_subclass(t, torch.Tensor).detach().to("cpu").contiguous()
        if t.is_sparse or t.is_quantized or t.is_complex() and t.dtype != torch.complex64:
            raise Unsendable(f"a tensor of layout/dtype {t.layout}/{t.dtype}")
        name = str(t.dtype).removeprefix("torch.")
        if name not in DTYPE_NAMES:
            raise Unsendable(f"a tensor of dtype {t.dtype}")
        nbytes = t.numel() * t.element_size()
        blobs.append(ctypes.string_at(t.data_ptr(), nbytes) if nbytes else b"")
    return {"$": "tensor", "dtype": name, "shape": list(t.shape), "blob": len(blobs) - 1}


def decode(body: bytes | bytearray | memoryview):
    """The value of one frame body (without its length prefix)."""
    try:
        view = memoryview(body)
        (hlen,) = _LEN.unpack_from(view)
        header = json.loads(bytes(view[4 : 4 + hlen]))
        offsets, pos = [], 4 + hlen
        for n in header["blobs"]:
            if not isinstance(n, int) or n < 0:
                raise ProtocolError("bad blob length")
            offsets.append(view[pos : pos + n])
            pos += n
        if pos != len(view):
            raise ProtocolError("frame length does not match its blobs")
        return _value(header["v"], offsets)
    except ProtocolError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, RecursionError, struct.error) as exc:
        raise ProtocolError(f"malformed frame ({type(exc).__name__})") from None


def _value(node, blobs):
    if node is None or type(node) in (bool, int, float, str):
        return node
    if type(node) is list:
        return [_value(v, blobs) for v in node]
    if type(node) is not dict:
        raise ProtocolError("unexpected JSON node")
    tag = node["$"]
    if tag == "tuple":
        return tuple(_value(v, blobs) for v in node["items"])
    if tag == "dict":
        return {_key(k): _value(v, blobs) for k, v in node["items"]}
    if tag == "tensor":
        return _decode_tensor(node, blobs)
    raise ProtocolError(f"unknown tag {tag!r}")


def _key(k):
    if type(k) not in (str, int):
        raise ProtocolError("bad dict key")
    return k


def _decode_tensor(node, blobs) -> torch.Tensor:
    import torch

    dtype = dtypes()[node["dtype"]]
    shape = [int(n) for n in node["shape"]]
    if any(n < 0 for n in shape) or len(shape) > 16:
        raise ProtocolError("bad tensor shape")
    blob = blobs[node["blob"]]
    numel = 1
    for n in shape:
        numel *= n
    if numel * dtype.itemsize != len(blob):
        raise ProtocolError("tensor bytes do not match its shape")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(blob), dtype=dtype).reshape(shape)


def send(sock: socket.socket, value) -> None:
    sock.sendall(encode(value))


def recv(sock: socket.socket, deadline: float | None = None):
    """Read one frame; `deadline` is a time.monotonic() value. Raises TimeoutError, EOFError."""
    (n,) = _LEN.unpack(_read(sock, 4, deadline))
    if n > MAX_FRAME:
        raise ProtocolError(f"frame of {n} bytes is over the limit")
    return decode(_read(sock, n, deadline))


def _read(sock: socket.socket, n: int, deadline: float | None) -> bytearray:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
        try:
            k = sock.recv_into(view[got:])
        except socket.timeout:
            raise TimeoutError from None
        except (ConnectionResetError, BrokenPipeError):
            k = 0
        if k == 0:
            raise EOFError
        got += k
    return buf
